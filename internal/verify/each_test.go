package verify

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRunEach: one run per address, every step named by the address it
// went through; an address where nothing answers fails the joined report
// and the error names it, while the other address's steps still pass.
func TestRunEach(t *testing.T) {
	tr := startRegistry(t, &fakeProxy{pushers: []string{pusher.User}})
	good := tr.config().Dial
	t.Run("all answer", func(t *testing.T) {
		rep, err := RunEach(context.Background(), tr.config(), []string{good, good})
		if err != nil || !rep.OK() {
			t.Fatalf("RunEach: %v, report %s", err, stepStatuses(rep))
		}
		if n := len(rep.Steps); n != 16 {
			t.Errorf("%d steps, want 8 per address: %s", n, stepStatuses(rep))
		}
		for _, s := range rep.Steps {
			if !strings.HasSuffix(s.Name, " via "+good) {
				t.Errorf("step %q does not name the address it went through", s.Name)
			}
		}
	})
	t.Run("one does not answer", func(t *testing.T) {
		dead := closedPort(t)
		rep, err := RunEach(context.Background(), tr.config(), []string{good, dead})
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), dead) {
			t.Errorf("error %v, want ErrUnreachable naming %s", err, dead)
		}
		if rep == nil || rep.OK() {
			t.Fatalf("the joined report passes: %s", stepStatuses(rep))
		}
		if s, ok := rep.Step(StepPush + " via " + good); !ok || s.Status != StatusPass {
			t.Errorf("the push through the answering address: %+v", s)
		}
	})
	t.Run("no address", func(t *testing.T) {
		if _, err := RunEach(context.Background(), tr.config(), nil); !errors.Is(err, ErrConfig) {
			t.Errorf("error %v, want ErrConfig", err)
		}
	})
}
