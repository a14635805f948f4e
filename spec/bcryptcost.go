package spec

import (
	"fmt"
	"time"
)

// MaxBcryptCost is the highest bcrypt cost accepted without
// allow_slow_bcrypt: about a second per password check on a current CPU
// core. Each step doubles the time, and Apache runs a check for every
// request its password cache does not answer, so cost 31 would take about
// a day and a half per request (and as long for init to hash it).
const MaxBcryptCost = 14

// costAt5 is what one check costs at bcrypt cost 5 on a current core.
const costAt5 = 2 * time.Millisecond

// EstimatedCheck is what one password check costs at cost on a current
// core: an estimate from costAt5 (each step of cost doubles it), for costs
// too slow to measure.
func EstimatedCheck(cost int) time.Duration {
	if cost < 5 {
		return costAt5 >> (5 - cost)
	}
	return costAt5 << (cost - 5)
}

// slowCostMsg explains a refused cost and how to accept it anyway.
func slowCostMsg(cost int) string {
	return fmt.Sprintf("each password check would take about %s (cost 5: about 2ms; each step doubles), and Apache checks on every request its cache does not answer: use %d or less, or set allow_slow_bcrypt: true",
		about(EstimatedCheck(cost)), MaxBcryptCost)
}

// about rounds a duration to words.
func about(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 2*time.Minute:
		return fmt.Sprintf("%.0f seconds", d.Seconds())
	case d < 2*time.Hour:
		return fmt.Sprintf("%.0f minutes", d.Minutes())
	case d < 48*time.Hour:
		return fmt.Sprintf("%.0f hours", d.Hours())
	}
	return fmt.Sprintf("%.0f days", d.Hours()/24)
}
