package verify

import (
	"context"
	"time"
)

// StepDirectory is the directory's pre-flight (Config.Directory): in the
// report only with a directory.
const StepDirectory = "directory"

// Precheck is a check of something the proxy depends on, run before the
// others: a one-line message when it passes; when it fails, an error
// (its message is the step's) and detail lines.
type Precheck func(ctx context.Context) (msg string, details []string, err error)

func (p Precheck) step(ctx context.Context) (string, error) {
	msg, details, err := p(ctx)
	if err != nil {
		return "", &failure{msg: err.Error(), details: details}
	}
	return msg, nil
}

// RunPrecheck runs only p, as the one step of a report for host (verify
// --directory only).
func RunPrecheck(ctx context.Context, host string, p Precheck) *Report {
	start := time.Now()
	r := &run{c: Config{Host: host}, red: &redactor{}, rep: &Report{Host: host, Started: start.UTC()}}
	r.step(ctx, StepDirectory, nil, p.step)
	r.rep.Duration = time.Since(start)
	return r.rep
}
