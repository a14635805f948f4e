package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/regsetup/regsetup/internal/stacktest"
)

const (
	// day2Bound is how soon after `up` returns a change must be in force.
	day2Bound = 5 * time.Second
	// day2Dwell is the least time each state of the spec is probed.
	day2Dwell = time.Second
	// day2TransferTimeout bounds the large push and pull once released.
	day2TransferTimeout = 3 * time.Minute
)

// The day-2 run: the initial spec, then one change at a time, each applied
// with `regsetup init` then `regsetup up`.
var (
	day2Initial = day2State{Users: []day2User{
		{"alice", "alice-pw-0"}, {"bob", "bob-pw-0"}, {"carol", "carol-pw-0"},
		{"pusher", "pusher-pw-0"}, {"puller", "puller-pw-0"},
		{"dave", "dave-pw-0"}, {"frank", "frank-pw-old"},
	}}
	day2Changes = []struct {
		name  string
		apply func(day2State) day2State
	}{
		{"add erin", func(s day2State) day2State { return s.with(day2User{"erin", "erin-pw-0"}) }},
		{"remove dave", func(s day2State) day2State { return s.without("dave") }},
		{"new password for frank", func(s day2State) day2State { return s.with(day2User{"frank", "frank-pw-new"}) }},
		{"rule: erin may list the catalog", func(s day2State) day2State { s.Catalog = []string{"erin"}; return s }},
	}
)

// day2Probers are the clients, each with its identity and what it must
// get after each change (the index of the change in day2Changes, plus 1).
func day2Probers() []*prober {
	always := func(name, pass string) *prober {
		return &prober{name: name, user: name, pass: pass, path: "/v2/", phases: []phase{{0, 200}}}
	}
	return []*prober{
		always("alice", "alice-pw-0"), always("bob", "bob-pw-0"), always("carol", "carol-pw-0"),
		always("pusher", "pusher-pw-0"), always("puller", "puller-pw-0"),
		{name: "erin (added)", user: "erin", pass: "erin-pw-0", path: "/v2/", phases: []phase{{0, 401}, {1, 200}}},
		{name: "dave (removed)", user: "dave", pass: "dave-pw-0", path: "/v2/", phases: []phase{{0, 200}, {2, 401}}},
		{name: "frank, old password", user: "frank", pass: "frank-pw-old", path: "/v2/", phases: []phase{{0, 200}, {3, 401}}},
		{name: "frank, new password", user: "frank", pass: "frank-pw-new", path: "/v2/", phases: []phase{{0, 401}, {3, 200}}},
		{name: "erin, catalog (rule)", user: "erin", pass: "erin-pw-0", path: "/v2/_catalog", phases: []phase{{0, 401}, {1, 403}, {4, 200}}},
	}
}

// TestDay2UnderLoad is the README's day-2 flow on a real Compose stack under load,
// as a user runs it: the regsetup binary in the spec's folder, a relative
// --out, and `init` then `up` for each of four changes (add a user, remove
// one, change a password, change an access rule), while ten clients with
// their own identities and keep-alive connections send GET continuously
// and a 256 MiB push and a 256 MiB pull are in flight across every change.
// Users no change touches get 200 on every request; each change is in
// force within 5 s of `up` returning and stays so (a removed user or an
// old password is never accepted again); both transfers complete with the
// right digests. Compose v1 and v2.
func TestDay2UnderLoad(t *testing.T) {
	needDocker(t)
	bin := buildCLI(t)
	for _, c := range composes {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			needFreeDisk(t, dir, 2*day2Layers*day2LayerSize+(512<<20))
			run := cliRun{bin: bin, dir: dir, compose: c.cmd, project: "day2e2e-" + c.name}
			day2Run(t, run, stacktest.Port(t))
		})
	}
}

func day2Run(t *testing.T, run cliRun, port int) {
	state := day2Initial
	state.Port = port
	state.write(t, run.dir)
	downAtEnd(t, run)
	if err := run.run(t, "init"); err != nil {
		t.Fatal(err)
	}
	if err := run.run(t, "up"); err != nil {
		t.Fatal(err)
	}
	lives := map[string]string{}
	for _, svc := range []string{"apache", "registry"} {
		lives[svc] = containerLife(t, run.project, svc)
	}
	out := filepath.Join(run.dir, day2Out)
	stack := &stacktest.Stack{Out: out, Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	base := fmt.Sprintf("https://myregistrydomain.com:%d", port)
	host := strings.TrimPrefix(base, "https://")

	// The image the puller pulls during the changes, pushed before.
	before, after := mustImage(t, 1), mustImage(t, 2)
	pusher := registryClient{host: host, user: "pusher", pass: "pusher-pw-0", rt: keepAlive(t, stack)}
	ctx, cancel := context.WithTimeout(context.Background(), day2TransferTimeout)
	defer cancel()
	pushStart := time.Now()
	if err := pusher.push(ctx, "day2/pull:before", before); err != nil {
		t.Fatalf("pushing the image to pull: %v", err)
	}
	t.Logf("pushed day2/pull:before (%d MiB) in %v", day2Layers*day2LayerSize>>20, time.Since(pushStart).Round(time.Millisecond))

	probers := day2Probers()
	stop := make(chan struct{})
	var probing sync.WaitGroup
	for _, p := range probers {
		p.base, p.c = base, &http.Client{Transport: keepAlive(t, stack), Timeout: 10 * time.Second}
		probing.Add(1)
		go p.loop(stop, &probing)
	}
	stopProbing := sync.OnceFunc(func() { close(stop); probing.Wait() })
	defer stopProbing()

	gate := make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	defer release()
	transfers := startTransfers(t, host, stack, gate, before, after)
	defer transfers.cancel()

	time.Sleep(day2Dwell)
	changes := applyChanges(t, run, state, probers)
	release()
	results := transfers.wait(t)
	// Keep probing: a removed identity must stay refused.
	if last := changes[len(changes)-1].upDone; !last.IsZero() {
		time.Sleep(time.Until(last.Add(day2Bound + time.Second)))
	}
	stopProbing()

	// Changes are applied to the running containers: none was re-created
	// or restarted.
	for svc, life := range lives {
		if now := containerLife(t, run.project, svc); now != life {
			t.Errorf("the %s container was re-created or restarted: %s, now %s", svc, life, now)
		}
	}
	judgeProbers(t, probers, changes)
	judgeTransfers(t, results, changes, transfers)
	if t.Failed() {
		return
	}
	// The pushed image is in the registry as the client made it.
	puller := registryClient{host: host, user: "puller", pass: "puller-pw-0", rt: keepAlive(t, stack)}
	hctx, hcancel := context.WithTimeout(context.Background(), time.Minute)
	defer hcancel()
	if err := puller.headSame(hctx, "day2/push:during", after); err != nil {
		t.Error(err)
	}
}

// applyChanges applies each change with init then up, waiting after each
// until the prober it concerns sees it (at most day2Bound past up), and
// returns when each started and ended. It stops at the first command that
// fails.
func applyChanges(t *testing.T, run cliRun, state day2State, probers []*prober) []changeTimes {
	t.Helper()
	var times []changeTimes
	for i, ch := range day2Changes {
		state = ch.apply(state)
		state.write(t, run.dir)
		ct := changeTimes{name: ch.name, initStart: time.Now()}
		times = append(times, ct)
		if err := run.run(t, "init"); err != nil {
			t.Errorf("change %d (%s): %v", i+1, ch.name, err)
			return times
		}
		if err := run.run(t, "up"); err != nil {
			t.Errorf("change %d (%s): %v", i+1, ch.name, err)
			return times
		}
		times[i].upDone = time.Now()
		for _, p := range probers {
			if want, ok := p.statusAt(i + 1); ok {
				if !p.waitFor(times[i].upDone, want, day2Bound+time.Second) {
					t.Logf("change %d (%s): %s does not get %d yet", i+1, ch.name, p.name, want)
				}
			}
		}
		time.Sleep(time.Until(times[i].upDone.Add(day2Dwell)))
	}
	return times
}

// statusAt is the status a prober's phase starting at change has, if one
// starts there.
func (p *prober) statusAt(change int) (int, bool) {
	for _, ph := range p.phases {
		if ph.change == change {
			return ph.status, true
		}
	}
	return 0, false
}

// judgeProbers fails the test for every rule a prober's answers broke and
// logs every prober's totals.
func judgeProbers(t *testing.T, probers []*prober, changes []changeTimes) {
	t.Helper()
	for i, c := range changes {
		t.Logf("change %d (%s): init at %s, up returned at %s", i+1, c.name, c.initStart.Format("15:04:05.000"), c.upDone.Format("15:04:05.000"))
	}
	untouched := 0
	for _, p := range probers {
		v := p.judge(changes, day2Bound)
		t.Logf("%-22s %s", p.name+":", v.summary())
		if len(p.phases) == 1 {
			untouched += v.total
		}
		if v.failed > 0 {
			t.Errorf("%s (GET %s): %d wrong:\n  %s", p.name, p.path, v.failed, strings.Join(v.problems, "\n  "))
		}
	}
	t.Logf("untouched users: %d requests in all", untouched)
}

// keepAlive is the stack's transport (TLS checked against out/auth's
// certificate and the domain, dialing 127.0.0.1:PORT) with keep-alive on.
func keepAlive(t *testing.T, s *stacktest.Stack) *http.Transport {
	t.Helper()
	tr, err := s.Transport()
	if err != nil {
		t.Fatal(err)
	}
	tr.DisableKeepAlives = false
	return tr
}

func mustImage(t *testing.T, seed byte) v1.Image {
	t.Helper()
	img, err := day2Image(seed)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// oneLine is s's first line, at most 300 bytes: registry errors carry
// whole HTML pages.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
