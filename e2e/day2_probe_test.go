package e2e

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// probeInterval is the pause between two requests of one client.
const probeInterval = 20 * time.Millisecond

// answer is one request of a prober: when it was sent, and the status (0
// when it failed without one, err saying why).
type answer struct {
	sent   time.Time
	took   time.Duration
	status int
	err    error
}

func (a answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprint(a.status)
}

// phase says what a prober must get from the moment change (its index in
// the run, 0 for the initial spec) is in force.
type phase struct {
	change int
	status int
}

// prober is one client with one identity that sends GET path
// continuously over its own keep-alive connection.
type prober struct {
	name       string // the identity, as reported
	user, pass string
	path       string
	phases     []phase // in order of change; phases[0].change is 0

	base string
	c    *http.Client

	mu      sync.Mutex
	answers []answer
}

// loop sends requests until stop is closed.
func (p *prober) loop(stop <-chan struct{}, done *sync.WaitGroup) {
	defer done.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		a := p.once()
		a.took = time.Since(a.sent)
		p.mu.Lock()
		p.answers = append(p.answers, a)
		p.mu.Unlock()
		time.Sleep(probeInterval)
	}
}

func (p *prober) once() answer {
	a := answer{sent: time.Now()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+p.path, nil)
	if err != nil {
		a.err = err
		return a
	}
	req.SetBasicAuth(p.user, p.pass)
	resp, err := p.c.Do(req)
	if err != nil {
		a.err = err
		return a
	}
	// Read the body to the end so the connection is kept alive.
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		a.err = fmt.Errorf("reading the answer (%s): %w", resp.Status, err)
	}
	resp.Body.Close()
	a.status = resp.StatusCode
	return a
}

// snapshot returns the answers so far.
func (p *prober) snapshot() []answer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]answer{}, p.answers...)
}

// waitFor polls until the last answer, sent after since, has status want,
// or timeout passes; it reports whether it saw it.
func (p *prober) waitFor(since time.Time, want int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		as := p.snapshot()
		if n := len(as); n > 0 && as[n-1].sent.After(since) && as[n-1].err == nil && as[n-1].status == want {
			return true
		}
		time.Sleep(probeInterval)
	}
	return false
}

// changeTimes are when one change's init started and its up returned.
type changeTimes struct {
	name      string
	initStart time.Time
	upDone    time.Time
}

// verdict is what a prober's answers show against its phases.
type verdict struct {
	total    int
	slowest  time.Duration
	byStatus map[string]int
	failed   int      // answers that broke a rule
	problems []string // what broke, wrong answers grouped into runs
	// latency per transition: from the change's up returning to the first
	// answer with the new status (negative: in force before up returned).
	latency map[int]time.Duration
}

// maxProblems is how many runs of wrong answers a verdict lists.
const maxProblems = 8

// wrong records answers that are not want; consecutive ones with the same
// answer become one line.
func (v *verdict) wrong(as []answer, want func(answer) bool, what string) {
	runs := 0
	for i := 0; i < len(as); i++ {
		if want(as[i]) {
			continue
		}
		j := i
		for j+1 < len(as) && !want(as[j+1]) && as[j+1].String() == as[i].String() {
			j++
		}
		v.failed += j - i + 1
		if runs++; runs <= maxProblems {
			v.problems = append(v.problems, fmt.Sprintf("%s: %d× %s, sent %s to %s", what, j-i+1, as[i],
				as[i].sent.Format("15:04:05.000"), as[j].sent.Format("15:04:05.000")))
		}
		i = j
	}
	if runs > maxProblems {
		v.problems = append(v.problems, fmt.Sprintf("%s: %d more runs of wrong answers", what, runs-maxProblems))
	}
}

func is(status int) func(answer) bool {
	return func(a answer) bool { return a.err == nil && a.status == status }
}

// judge checks a prober's answers: before a transition's change started,
// the old status; from the first answer with the new status (sent no later
// than bound after its up returned) the new status and nothing else until
// the next transition's change starts: a removed user once refused is never
// accepted again. A failed request is wrong anywhere.
func (p *prober) judge(changes []changeTimes, bound time.Duration) verdict {
	as := p.snapshot()
	v := verdict{total: len(as), byStatus: map[string]int{}, latency: map[int]time.Duration{}}
	for _, a := range as {
		v.byStatus[a.String()]++
		v.slowest = max(v.slowest, a.took)
	}
	for i, ph := range p.phases {
		if ph.change > len(changes) || (ph.change > 0 && changes[ph.change-1].upDone.IsZero()) {
			break // the run stopped before this change was in place
		}
		// The window of this phase: from its change's init to the next
		// transition's init (or the end).
		var from, to time.Time
		if ph.change > 0 {
			from = changes[ph.change-1].initStart
		}
		if i+1 < len(p.phases) && p.phases[i+1].change <= len(changes) {
			to = changes[p.phases[i+1].change-1].initStart
		}
		win := within(as, from, to)
		what := "from the start"
		if ph.change > 0 {
			what = fmt.Sprintf("after change %d (%s)", ph.change, changes[ph.change-1].name)
		}
		if len(win) == 0 {
			v.failed++
			v.problems = append(v.problems, what+": no request")
			continue
		}
		settled := 0 // the index in win of the first answer with ph.status
		if ph.change > 0 {
			settled = slices.IndexFunc(win, is(ph.status))
			if settled < 0 {
				v.failed++
				v.problems = append(v.problems, fmt.Sprintf("%s: never %d (last answer: %s)", what, ph.status, win[len(win)-1]))
				settled = len(win)
			} else {
				lat := win[settled].sent.Sub(changes[ph.change-1].upDone)
				v.latency[ph.change] = lat
				if lat > bound {
					v.failed++
					v.problems = append(v.problems, fmt.Sprintf("%s: %d only %v after up returned (bound %v)", what, ph.status, lat.Round(time.Millisecond), bound))
				}
			}
			prev := p.phases[i-1].status
			v.wrong(win[:settled], is(prev), fmt.Sprintf("%s, before it was in force (want %d)", what, prev))
		}
		v.wrong(win[settled:], is(ph.status), fmt.Sprintf("%s (want %d)", what, ph.status))
	}
	return v
}

// within returns the answers sent in [from, to); a zero bound is open.
func within(as []answer, from, to time.Time) []answer {
	var out []answer
	for _, a := range as {
		if (!from.IsZero() && a.sent.Before(from)) || (!to.IsZero() && !a.sent.Before(to)) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// summary is a verdict in one line: totals by status, then latencies.
func (v verdict) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests (slowest %v)", v.total, v.slowest.Round(time.Millisecond))
	for _, s := range slices.Sorted(maps.Keys(v.byStatus)) {
		fmt.Fprintf(&b, ", %s: %d", s, v.byStatus[s])
	}
	for _, c := range slices.Sorted(maps.Keys(v.latency)) {
		fmt.Fprintf(&b, "; change %d in force %v after up returned", c, v.latency[c].Round(time.Millisecond))
	}
	return b.String()
}
