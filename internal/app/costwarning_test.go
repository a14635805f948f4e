package app

import (
	"strings"
	"testing"
	"time"
)

// TestCostWarningAboveTheLimit: above the spec's limit (allowed with
// allow_slow_bcrypt) the warning is an estimate, made without hashing for
// hours; up to it, a measurement.
func TestCostWarningAboveTheLimit(t *testing.T) {
	for _, tt := range []struct {
		cost int
		want string // "" = no warning
	}{
		{14, "measured here"},
		{15, "estimated"},
		{31, "estimated"},
	} {
		start := time.Now()
		got := strings.Join(costWarning(tt.cost), "\n")
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("cost %d: the warning took %v", tt.cost, took)
		}
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("cost %d: warning %q, want one with %q", tt.cost, got, tt.want)
		}
	}
}
