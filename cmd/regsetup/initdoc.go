package main

import (
	"encoding/json"
	"errors"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/spec"
)

// initDocument is what init --json prints, once per run: the outcome
// (ok, the exit code and its name; with --check whether the files drift),
// each file's plan and what happened to it, the up result and the verify
// report (in verify's own JSON form) when --up and --verify ran, and the
// errors that ended the run.
type initDocument struct {
	OK       bool   `json:"ok"`
	ExitCode int    `json:"exit_code"`
	Outcome  string `json:"outcome"`
	// Drift (with --check): some file differs from the spec.
	Drift *bool `json:"drift,omitempty"`
	*app.InitResult
	Up     any             `json:"up,omitempty"`
	Verify json.RawMessage `json:"verify,omitempty"`
	// Error is the whole message; Errors the same, one entry per problem,
	// located in the spec where it is about the spec.
	Error  string      `json:"error,omitempty"`
	Errors []jsonError `json:"errors,omitempty"`
}

// jsonError is one problem: where in the spec (for an invalid spec) and
// what.
type jsonError struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// finish sets the outcome and the errors from err, the error of the run.
func (d *initDocument) finish(err error, check bool) {
	d.ExitCode = exitCode(err)
	d.OK = err == nil
	d.Outcome = outcomes[d.ExitCode]
	if check && d.InitResult != nil {
		drift := errors.Is(err, app.ErrDrift)
		d.Drift = &drift
	}
	if err == nil {
		return
	}
	d.Error = err.Error()
	var invalid spec.Errors
	if errors.As(err, &invalid) {
		for _, e := range invalid {
			d.Errors = append(d.Errors, jsonError{File: e.File, Line: e.Line, Field: e.Field, Message: e.Msg})
		}
		return
	}
	d.Errors = []jsonError{{Message: err.Error()}}
}
