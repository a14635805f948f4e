package verify

import (
	"context"
	"errors"
	"fmt"
)

// RunEach runs Run once through each address in dials (each replica of
// the proxy, e.g. every Apache task of a swarm service) and joins the
// reports into one: each step and warning names the address it went
// through ("push via ADDR"), Totals and OK cover every run, the
// duration is the sum, Digest, Matrix and Footprint are the last run's
// (each run's matrix step says whether its matrix held). The error is
// ErrConfig's at once, else the first address's that could not run.
func RunEach(ctx context.Context, c Config, dials []string) (*Report, error) {
	if len(dials) == 0 {
		return nil, fmt.Errorf("%w: no address to verify through", ErrConfig)
	}
	var all *Report
	var first error
	for _, d := range dials {
		c.Dial = d
		rep, err := Run(ctx, c)
		if errors.Is(err, ErrConfig) {
			return nil, err
		}
		if err != nil && first == nil {
			first = fmt.Errorf("through %s: %w", d, err)
		}
		if rep == nil {
			continue
		}
		for i := range rep.Steps {
			rep.Steps[i].Name += " via " + d
		}
		for i := range rep.Warnings {
			rep.Warnings[i] += " (via " + d + ")"
		}
		if all == nil {
			all = rep
			continue
		}
		all.Steps = append(all.Steps, rep.Steps...)
		all.Warnings = append(all.Warnings, rep.Warnings...)
		all.Duration += rep.Duration
		all.Digest, all.Matrix, all.Footprint = rep.Digest, rep.Matrix, rep.Footprint
	}
	return all, first
}
