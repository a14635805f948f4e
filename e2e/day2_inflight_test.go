package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// running transfers: the push of a new image by the pusher and the pull
// of the image pushed before by the puller, both slowed until gate closes.
type runningTransfers struct {
	pushTr, pullTr *gatedTransport
	done           chan transfer
	cancel         context.CancelFunc // ends both early
}

func startTransfers(t *testing.T, host string, stack *stacktest.Stack, gate <-chan struct{}, before, after v1.Image) *runningTransfers {
	t.Helper()
	r := &runningTransfers{
		pushTr: &gatedTransport{base: keepAlive(t, stack), gate: gate},
		pullTr: &gatedTransport{base: keepAlive(t, stack), gate: gate},
		done:   make(chan transfer, 2),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	r.cancel = cancel
	var wg sync.WaitGroup
	wg.Go(func() {
		x := transfer{what: "push of day2/push:during by pusher", start: time.Now()}
		x.err = registryClient{host: host, user: "pusher", pass: "pusher-pw-0", rt: r.pushTr}.push(ctx, "day2/push:during", after)
		x.end = time.Now()
		r.done <- x
	})
	wg.Go(func() {
		x := transfer{what: "pull of day2/pull:before by puller", start: time.Now()}
		x.err = registryClient{host: host, user: "puller", pass: "puller-pw-0", rt: r.pullTr}.pullSame(ctx, "day2/pull:before", before)
		x.end = time.Now()
		r.done <- x
	})
	go func() { wg.Wait(); cancel() }()
	return r
}

// wait returns both transfers' outcomes, or fails the test when they do
// not end within day2TransferTimeout.
func (r *runningTransfers) wait(t *testing.T) []transfer {
	t.Helper()
	var out []transfer
	timeout := time.After(day2TransferTimeout)
	for len(out) < 2 {
		select {
		case x := <-r.done:
			out = append(out, x)
		case <-timeout:
			t.Fatalf("the push and the pull did not end within %v of the changes' end", day2TransferTimeout)
		}
	}
	return out
}

// judgeTransfers fails the test unless both transfers succeeded, with no
// failed request, and were in flight from before the first change until
// after the last one's up returned.
func judgeTransfers(t *testing.T, results []transfer, changes []changeTimes, r *runningTransfers) {
	t.Helper()
	first, last := changes[0].initStart, changes[len(changes)-1].upDone
	for _, x := range results {
		if x.err != nil {
			t.Errorf("%s: %s", x.what, oneLine(x.err.Error()))
		} else {
			t.Logf("%s: complete, digests checked, in %v", x.what, x.end.Sub(x.start).Round(time.Millisecond))
		}
		if last.IsZero() {
			continue // a change failed: reported already
		}
		if !x.start.Before(first) || !x.end.After(last) {
			t.Errorf("%s ran %s to %s: not in flight across the changes (%s to %s)", x.what,
				x.start.Format("15:04:05.000"), x.end.Format("15:04:05.000"), first.Format("15:04:05.000"), last.Format("15:04:05.000"))
		}
	}
	for what, g := range map[string]*gatedTransport{"push": r.pushTr, "pull": r.pullTr} {
		n, failures := g.counts()
		t.Logf("%s: %d requests, %d failed", what, n, len(failures))
		if len(failures) > 0 {
			for i := range failures {
				failures[i] = oneLine(failures[i])
			}
			t.Errorf("%s: failed requests: %s", what, strings.Join(failures, "; "))
		}
	}
}
