package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// run is the state of one Run call.
type run struct {
	c        Config
	hostname string // for TLS verification
	dialAddr string // where connections go
	tr       *http.Transport
	uploads  *uploadTracker // wraps tr: every request goes through it
	red      *redactor
	runID    string // in the test images' config: new digests every run
	tag      name.Tag
	rep      *Report

	loginOK  map[string]bool // user → credentials accepted by the login step
	pushed   *pushedImage    // set by a successful push step
	previous *v1.Hash        // what the tag pointed to before the push, if anything
}

// pushedImage is what the push step left in the registry.
type pushedImage struct {
	digest  v1.Hash   // manifest digest as stored by the registry
	config  v1.Hash   // config digest
	layers  []v1.Hash // compressed layer digests (ggcr client only)
	diffIDs []v1.Hash // uncompressed layer digests
	size    int64     // compressed bytes
}

// client performs the login/push/pull/denied-push steps; one for ggcr and
// one for the docker CLI.
type client interface {
	login(ctx context.Context) (string, error)
	push(ctx context.Context) (string, error)
	pull(ctx context.Context) (string, error)
	deniedPush(ctx context.Context) (string, error)
	cleanup(ctx context.Context) []string // warnings
}

// Run checks the registry described by c. The error is non-nil only when
// the check could not run: a bad Config (wrapping ErrConfig, with a nil
// Report) or an unreachable registry (wrapping ErrUnreachable, with a
// Report whose tls step has StatusError). Failed checks are in the Report.
func Run(ctx context.Context, c Config) (*Report, error) {
	c, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	r, err := newRun(c)
	if err != nil {
		return nil, err
	}
	defer r.tr.CloseIdleConnections()
	start := time.Now()
	r.rep.Started = start.UTC()
	cl := r.newClient()
	r.steps(ctx, cl)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.c.Timeout)
	r.cleanupRegistry(cctx)
	cancel()
	for _, w := range cl.cleanup(context.WithoutCancel(ctx)) {
		r.rep.Warnings = append(r.rep.Warnings, r.red.String(w))
	}
	r.rep.Duration = time.Since(start)
	if s, _ := r.rep.Step(StepTLS); s.Status == StatusError {
		return r.rep, fmt.Errorf("verifying %s: %s: %w", c.Host, s.Message, ErrUnreachable)
	}
	if err := context.Cause(ctx); err != nil {
		return r.rep, fmt.Errorf("verifying %s: %w", c.Host, err)
	}
	return r.rep, nil
}

func newRun(c Config) (*run, error) {
	hostname, dialAddr, err := c.addrs()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	tag, err := name.NewTag(c.Host + "/" + c.Repo + ":" + c.Tag)
	if err != nil {
		return nil, fmt.Errorf("%w: building the image reference: %w", ErrConfig, err)
	}
	r := &run{
		c: c, hostname: hostname, dialAddr: dialAddr,
		red: newRedactor(c), tag: tag, loginOK: map[string]bool{}, runID: newRunID(time.Now()),
		rep: &Report{Host: c.Host, Repo: c.Repo, Image: tag.String(), Client: c.Client},
	}
	r.tr = r.newTransport()
	r.uploads = newUploadTracker(r.tr)
	if c.Client == ClientDocker {
		r.rep.Footprint.LayersReused = -1
	}
	return r, nil
}

func (r *run) newClient() client {
	if r.c.Client == ClientDocker {
		return &dockerClient{r: r}
	}
	return &ggcrClient{r: r}
}

// steps runs every step in order; each one is skipped when what it needs
// did not work.
func (r *run) steps(ctx context.Context, cl client) {
	if r.c.Directory != nil {
		r.step(ctx, StepDirectory, nil, r.c.Directory.step)
	}
	r.step(ctx, StepTLS, nil, r.checkTLS)
	r.step(ctx, StepAnonymousChallenge, r.needTLS, r.checkChallenge)
	r.step(ctx, StepLogin, r.needTLS, cl.login)
	if len(r.declared()) > 0 {
		r.step(ctx, StepSignIn, r.needTLS, r.checkSignIn)
	}
	r.step(ctx, StepPush, r.needLogin(r.c.Pusher), r.notePrevious(cl.push))
	r.step(ctx, StepPull, r.needPushAndLogin(r.c.Puller), cl.pull)
	r.step(ctx, StepDeniedPush, r.needPushAndLogin(r.c.Puller), cl.deniedPush)
	r.step(ctx, StepAnonymousPull, r.needTLS, r.checkAnonymousPull)
	r.step(ctx, StepMatrix, r.needTLS, r.checkMatrix)
}

// step runs fn unless pre returns a reason to skip, times it, records the
// result and reports progress.
func (r *run) step(ctx context.Context, name string, pre func() string, fn func(context.Context) (string, error)) {
	res := StepResult{Name: name}
	start := time.Now()
	switch reason := skipReason(ctx, pre); {
	case reason != "":
		res.Status, res.Message = StatusSkip, reason
	default:
		msg, err := fn(ctx)
		res.Status, res.Message = StatusPass, msg
		var f *failure
		var u *unreachableError
		switch {
		case errors.As(err, &u):
			res.Status, res.Message = StatusError, err.Error()
		case errors.As(err, &f):
			res.Status, res.Message, res.Details = StatusFail, f.msg, f.details
		case err != nil:
			res.Status, res.Message = StatusFail, err.Error()
		}
	}
	res.Duration = time.Since(start)
	res.Message = r.red.String(res.Message)
	for i, d := range res.Details {
		res.Details[i] = r.red.String(d)
	}
	r.rep.Steps = append(r.rep.Steps, res)
	if r.c.Progress != nil {
		r.c.Progress(res)
	}
}

func skipReason(ctx context.Context, pre func() string) string {
	if err := context.Cause(ctx); err != nil {
		return fmt.Sprintf("skipped: %v", err)
	}
	if pre == nil {
		return ""
	}
	return pre()
}

func (r *run) passed(name string) bool {
	s, ok := r.rep.Step(name)
	return ok && s.Status == StatusPass
}

func (r *run) needTLS() string {
	if s, _ := r.rep.Step(StepTLS); s.Status == StatusError {
		return "skipped: the registry is unreachable"
	}
	if !r.passed(StepTLS) {
		return "skipped: the tls step did not pass"
	}
	return ""
}

func (r *run) needLogin(id Identity) func() string {
	return func() string {
		if reason := r.needTLS(); reason != "" {
			return reason
		}
		if !r.loginOK[id.User] {
			return fmt.Sprintf("skipped: %s could not log in", id.User)
		}
		return ""
	}
}

func (r *run) needPushAndLogin(id Identity) func() string {
	return func() string {
		if reason := r.needLogin(id)(); reason != "" {
			return reason
		}
		if r.pushed == nil {
			return "skipped: the push step did not pass"
		}
		return ""
	}
}

// failure is a failed check, with optional detail lines.
type failure struct {
	msg     string
	details []string
}

func (f *failure) Error() string { return f.msg }

func failf(format string, args ...any) error {
	return &failure{msg: fmt.Sprintf(format, args...)}
}

// unreachableError means nothing answered at the registry's address.
type unreachableError struct{ err error }

func (u *unreachableError) Error() string { return "unreachable: " + u.err.Error() }
func (u *unreachableError) Unwrap() error { return u.err }
