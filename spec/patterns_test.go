package spec

import (
	"math/rand/v2"
	"strings"
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/model"
)

// TestPatternIndexAgreesWithCovers: the linear-time index finds an overlap
// exactly when the plain pairwise check (model.Rule.Covers) does.
func TestPatternIndexAgreesWithCovers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	parts := []string{"a", "b", "ab"}
	pattern := func() string {
		if r.IntN(12) == 0 {
			return "*"
		}
		var comps []string
		for n := 1 + r.IntN(3); n > 0; n-- {
			comps = append(comps, parts[r.IntN(len(parts))])
		}
		p := strings.Join(comps, "/")
		if r.IntN(2) == 0 {
			p += "/*"
		}
		return p
	}
	for trial := 0; trial < 2000; trial++ {
		idx := newPatternIndex()
		var earlier []string
		for k := 0; k < 1+r.IntN(5); k++ {
			p := pattern()
			_, got := idx.overlapping(p)
			want := false
			for _, e := range earlier {
				a, b := model.Rule{Repos: e}, model.Rule{Repos: p}
				if a.Covers(b) || b.Covers(a) {
					want = true
				}
			}
			if got != want {
				t.Fatalf("after %q, %q: index says overlap=%v, pairwise says %v", earlier, p, got, want)
			}
			idx.add(p, k)
			earlier = append(earlier, p)
		}
	}
}
