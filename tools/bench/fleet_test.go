package bench

import (
	"slices"
	"testing"
	"time"
)

func TestFleetValues(t *testing.T) {
	f := fleetResult{wall: 2 * time.Second, slowest: 1500 * time.Millisecond, bytes: 64 << 20, idle: 4 << 20, peak: 10 << 20, peakAll: 30 << 20}
	got := f.values("a", "s", "m", "all", "i")
	if len(got) != 5 || got["a"] != 32 || got["s"] != 1.5 || got["m"] != 10 || got["all"] != 30 || got["i"] != 4 {
		t.Errorf("values = %v, want a 32, s 1.5, m 10, all 30, i 4", got)
	}
	if got := f.values("a", "s", "m", "", ""); len(got) != 3 {
		t.Errorf("values without idle = %v, want 3 entries", got)
	}
}

// TestMetricListFrom checks that choosing a fleet metric brings the rows
// measured with it, and nothing else.
func TestMetricListFrom(t *testing.T) {
	var got []string
	for _, m := range metricList(Options{Metrics: []string{MFleetPush, MGetV2}}) {
		got = append(got, m.ID)
	}
	want := []string{MGetV2, MFleetPush, MFleetPushSlowest, MFleetPushMem, MFleetPushRetries}
	if !slices.Equal(got, want) {
		t.Errorf("metrics = %v, want %v", got, want)
	}
}
