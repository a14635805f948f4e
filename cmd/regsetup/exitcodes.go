package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/internal/verify"
	"github.com/regsetup/regsetup/spec"
)

// Exit codes. Scripts rely on them; README.md lists them.
const (
	exitOK        = 0
	exitFailure   = 1 // anything not listed below
	exitUsage     = 2 // bad command line
	exitInvalid   = 3 // the spec (or a file it names) is invalid
	exitDrift     = 4 // init --check: files would change; status: not in force
	exitEdited    = 5 // init would overwrite files a person edited
	exitUnhealthy = 6 // the stack did not start or a verify check failed
	exitCannotRun = 7 // a check or command could not run: docker missing, host unreachable
)

// errUsage marks command-line mistakes.
var errUsage = errors.New("usage")

// exitTable maps sentinel errors to exit codes; the first match wins.
var exitTable = []struct {
	err  error
	code int
}{
	{errUsage, exitUsage},
	{spec.ErrInvalid, exitInvalid},
	{spec.ErrImport, exitInvalid},
	{app.ErrDrift, exitDrift},
	{outdir.ErrEdited, exitEdited},
	{outdir.ErrLocked, exitCannotRun},    // another regsetup holds the output folder
	{app.ErrWorkersGroup, exitCannotRun}, // recipe without root: the files cannot be given to daemon
	{deploy.ErrEnvironment, exitCannotRun},
	{deploy.ErrStale, exitDrift},
	{deploy.ErrNotRunning, exitUnhealthy},
	{deploy.ErrReloadRefused, exitUnhealthy},
	{deploy.ErrUnhealthy, exitUnhealthy},
	{app.ErrChecksFailed, exitUnhealthy},
	{verify.ErrConfig, exitUsage}, // a bad --resolve, --client, --ca, --repo: the command line
	{verify.ErrUnreachable, exitCannotRun},
}

// report prints err (if any) and returns the exit code for it.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var silent silentError
	if !errors.As(err, &silent) {
		fmt.Fprintf(stderr, "regsetup: %v\n", err)
	}
	return exitCode(err)
}

// exitCode is the exit code for err.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	for _, e := range exitTable {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return exitFailure
}

// outcomes name each exit code in JSON documents.
var outcomes = map[int]string{
	exitOK: "ok", exitFailure: "failed", exitUsage: "usage", exitInvalid: "invalid", exitDrift: "drift",
	exitEdited: "edited", exitUnhealthy: "unhealthy", exitCannotRun: "cannot run",
}

// silentError is an error whose message the command already printed.
type silentError struct{ err error }

func (s silentError) Error() string { return s.err.Error() }
func (s silentError) Unwrap() error { return s.err }
