package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestDay2Judge: the day-2 test's verdict catches each way a change can
// go wrong, on made-up answers (one every 100 ms for 25 s; the change's
// init starts at 10 s, its up returns at 12 s).
func TestDay2Judge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	changes := []changeTimes{{name: "remove dave", initStart: at(10), upDone: at(12)}}
	removed := []phase{{0, 200}, {1, 401}}
	for _, tc := range []struct {
		name   string
		phases []phase
		answer func(s float64) answer // the answer to a request sent s seconds in
		want   string                 // in the problems; "" for none
	}{
		{"in force at once", removed, refusedFrom(11), ""},
		{"in force 4.9 s after up", removed, refusedFrom(16.9), ""},
		{"late", removed, refusedFrom(17.5), "401 only 5.5s after up returned"},
		{"never", removed, refusedFrom(99), "never 401"},
		{"accepted again", removed, func(s float64) answer {
			if s >= 13 && s < 13.5 {
				return answer{status: 401}
			}
			return refusedFrom(14)(s)
		}, "after change 1 (remove dave) (want 401): 5× 200"},
		{"refused before the change", removed, func(s float64) answer {
			if s >= 5 && s < 5.2 {
				return answer{status: 401}
			}
			return refusedFrom(11)(s)
		}, "from the start (want 200): 2× 401"},
		{"untouched, one failed request", []phase{{0, 200}}, func(s float64) answer {
			if s >= 20 && s < 20.1 {
				return answer{err: errors.New("connection reset")}
			}
			return answer{status: 200}
		}, "1× connection reset"},
		{"untouched, one 500", []phase{{0, 200}}, func(s float64) answer {
			if s >= 3 && s < 3.1 {
				return answer{status: 500}
			}
			return answer{status: 200}
		}, "1× 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &prober{name: tc.name, phases: tc.phases}
			for i := range 250 {
				s := float64(i) / 10
				a := tc.answer(s)
				a.sent = at(s)
				p.answers = append(p.answers, a)
			}
			v := p.judge(changes, day2Bound)
			got := strings.Join(v.problems, "\n")
			if tc.want == "" && v.failed != 0 {
				t.Errorf("%d wrong, want none:\n%s", v.failed, got)
			}
			if tc.want != "" && (v.failed == 0 || !strings.Contains(got, tc.want)) {
				t.Errorf("problems do not say %q:\n%s", tc.want, got)
			}
		})
	}
}

// refusedFrom answers 200 to requests sent before s0 seconds, 401 after.
func refusedFrom(s0 float64) func(float64) answer {
	return func(s float64) answer {
		if s < s0 {
			return answer{status: 200}
		}
		return answer{status: 401}
	}
}
