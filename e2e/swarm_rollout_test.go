package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/deploy"
)

// rollUnderLoad runs change (a new spec on disk), then up, while each
// loop sends requests through a balancer. It fails the test unless up
// did want to each service and no request of any loop failed, and
// returns the fewest Apache tasks the balancer saw running meanwhile.
func rollUnderLoad(t *testing.T, s *swarmStack, loops []*loop, want map[string]deploy.Action, change func()) int64 {
	t.Helper()
	bal := newBalancer(t, s)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range loops {
		l.c = &http.Client{Transport: bal.transport()}
		wg.Add(1)
		go l.run(stop, &wg)
	}
	time.Sleep(time.Second)
	change()
	res, err := app.Up(context.Background(), s.o)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	bal.close()
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	for _, r := range res.Services {
		if r.Action != want[r.Service] {
			t.Errorf("%s: %s (%s), want %s", r.Service, r.Action, r.Reason, want[r.Service])
		}
		if r.Action == deploy.Updated {
			t.Logf("%s updated: %s", r.Service, r.Reason)
		}
	}
	for _, l := range loops {
		t.Logf("%s: %d requests of %s answered 200 during the update", l.user, l.ok.Load(), l.path)
		if l.ok.Load() == 0 || len(l.failures) > 0 {
			t.Errorf("%s: %d ok, %d failed requests during the update, want 0 failed: %v", l.user, l.ok.Load(), len(l.failures), l.failures)
		}
	}
	return bal.minTasks.Load()
}

// userChange adds a user (init, then up) while two untouched users send
// requests through the balancer: Apache rolls one task at a time,
// start-first (never fewer than 2 running), no request fails, the
// registry is not touched, the new user works on every task, and the
// replaced password file's secret is removed.
func userChange(t *testing.T, s *swarmStack) {
	before := s.docker(t, "secret", "ls", "--format", "{{.Name}}")
	loops := []*loop{{user: "testuser", pass: "testpassword", path: "/v2/"}, {user: pushUser, pass: pushPass, path: "/v2/"}}
	fewest := rollUnderLoad(t, s, loops, map[string]deploy.Action{"apache": deploy.Updated, "registry": deploy.Unchanged}, func() {
		writeFile(t, s.spec, swarmSpec("newuser"))
		if _, err := app.Init(app.InitOptions{Paths: s.o.Paths}); err != nil {
			t.Fatalf("init: %v", err)
		}
		if st, err := app.Status(context.Background(), s.o); !errors.Is(err, deploy.ErrStale) || !slices.Contains(st.Differs, generator.HTPasswd) {
			t.Errorf("status after init, before up: %v, differs %v; want stale, %s", err, st.Differs, generator.HTPasswd)
		}
	})
	if fewest < 2 {
		t.Errorf("only %d apache task(s) ran at one point of the update: not start-first", fewest)
	}
	order := s.docker(t, "service", "inspect", "--format", "{{.Spec.UpdateConfig.Order}}", s.o.Project+"_apache")
	if order != "start-first" {
		t.Errorf("apache's update order is %q", order)
	}
	for _, ep := range s.endpoints(t) {
		nu := loop{user: "newuser", pass: "newuser-password", c: &http.Client{Transport: pinned(s.dir(), ep.Addr)}}
		if err := nu.once(); err != nil {
			t.Errorf("the new user through %s: %v", ep.Addr, err)
		}
	}
	after := s.docker(t, "secret", "ls", "--format", "{{.Name}}")
	for _, n := range strings.Fields(before) {
		if strings.HasPrefix(n, s.o.Project+"_httpd_htpasswd_") && strings.Contains(after, n) {
			t.Errorf("the replaced password file's secret %s is still there:\n%s", n, after)
		}
	}
}

// registryRoll changes the registry's image (the same image under a new
// tag) while a pull-only user pulls a blob through the balancer: the
// registry rolls start-first, Apache is untouched, no pull fails.
func registryRoll(t *testing.T, s *swarmStack) {
	s.docker(t, "tag", "registry:2", "registry:2-roll")
	b := blobClient{c: &http.Client{Transport: newBalancer(t, s).transport()}, base: fmt.Sprintf("https://myregistrydomain.com:%d", swarmPort), user: pushUser, pass: pushPass}
	dig := b.pushBlob(t, "roll/blob", []byte("registry roll"))
	loops := []*loop{{user: "testuser", pass: "testpassword", path: "/v2/roll/blob/blobs/" + dig}}
	rollUnderLoad(t, s, loops, map[string]deploy.Action{"apache": deploy.Unchanged, "registry": deploy.Updated}, func() {
		spec, err := os.ReadFile(s.spec)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, s.spec, append(spec, "registry: {image: \"registry:2-roll\"}\n"...))
	})
}
