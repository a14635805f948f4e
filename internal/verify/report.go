package verify

import "time"

// Status is the outcome of a step or of the whole run.
type Status string

// Step statuses. StatusError means the step could not run at all (e.g. the
// registry is unreachable), which is different from a failed check.
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusSkip  Status = "skip"
	StatusError Status = "error"
)

// Step names, in the order Run executes them.
const (
	StepTLS                = "tls"
	StepAnonymousChallenge = "anonymous-challenge"
	StepLogin              = "login"
	StepPush               = "push"
	StepPull               = "pull"
	StepDeniedPush         = "denied-push"
	StepAnonymousPull      = "anonymous-pull"
	StepMatrix             = "matrix"
)

// StepResult is the outcome of one step.
type StepResult struct {
	Name     string
	Status   Status
	Duration time.Duration
	Message  string   // one line: what was shown, or what went wrong
	Details  []string // optional further lines, e.g. every wrong matrix cell
}

// Totals counts steps by status.
type Totals struct {
	Pass, Fail, Skip, Error int
}

// Report is the result of Run.
type Report struct {
	Host     string
	Repo     string
	Image    string // the test image reference, HOST/REPO:TAG
	Digest   string // the manifest digest the push step pushed ("" if it did not)
	Client   string
	Started  time.Time
	Duration time.Duration
	Steps    []StepResult
	Matrix   *Matrix // nil if the matrix step did not run
	// Footprint is what the run uploaded, cancelled and deleted.
	Footprint Footprint
	Warnings  []string // e.g. cleanup that failed; never makes the run fail
}

// Totals counts the steps by status.
func (r *Report) Totals() Totals {
	var t Totals
	for _, s := range r.Steps {
		switch s.Status {
		case StatusPass:
			t.Pass++
		case StatusFail:
			t.Fail++
		case StatusSkip:
			t.Skip++
		case StatusError:
			t.Error++
		}
	}
	return t
}

// OK reports whether every step passed.
func (r *Report) OK() bool {
	if len(r.Steps) == 0 {
		return false
	}
	t := r.Totals()
	return t.Fail == 0 && t.Skip == 0 && t.Error == 0
}

// CouldNotRun reports whether a step could not run at all (status error),
// as opposed to running and failing.
func (r *Report) CouldNotRun() bool { return r.Totals().Error > 0 }

// Status is the overall outcome: error if something could not run, else
// fail if a step failed or was skipped, else pass.
func (r *Report) Status() Status {
	switch {
	case r.CouldNotRun():
		return StatusError
	case r.OK():
		return StatusPass
	default:
		return StatusFail
	}
}

// Step returns the result of the named step and whether it is in the report.
func (r *Report) Step(name string) (StepResult, bool) {
	for _, s := range r.Steps {
		if s.Name == name {
			return s, true
		}
	}
	return StepResult{}, false
}
