package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/spec"
)

// initDocument is what init --json prints, once per run: the outcome
// (ok, the exit code and its name; with --check whether the files drift),
// each file's plan and what happened to it, the up result and the verify
// report (in verify's own JSON form) when --up and --verify ran, and the
// errors that ended the run.
type initDocument struct {
	outcome
	// Drift (with --check): some file differs from the spec.
	Drift *bool `json:"drift,omitempty"`
	*app.InitResult
	Up     any             `json:"up,omitempty"`
	Verify json.RawMessage `json:"verify,omitempty"`
}

// outcome heads every --json document: whether the command succeeded,
// its exit code and that code's name, and the errors that ended it.
type outcome struct {
	OK       bool   `json:"ok"`
	ExitCode int    `json:"exit_code"`
	Outcome  string `json:"outcome"`
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
	d.outcome = outcomeOf(err)
	if check && d.InitResult != nil {
		drift := errors.Is(err, app.ErrDrift)
		d.Drift = &drift
	}
}

// outcomeOf describes err, the error of a run (nil: success).
func outcomeOf(err error) outcome {
	o := outcome{ExitCode: exitCode(err), OK: err == nil}
	o.Outcome = outcomes[o.ExitCode]
	if err == nil {
		return o
	}
	o.Error = err.Error()
	var invalid spec.Errors
	if errors.As(err, &invalid) {
		for _, e := range invalid {
			o.Errors = append(o.Errors, jsonError{File: e.File, Line: e.Line, Field: e.Field, Message: e.Msg})
		}
		return o
	}
	o.Errors = []jsonError{{Message: err.Error()}}
	return o
}

// writeJSON prints one indented JSON document.
func writeJSON(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing the JSON result: %w", err)
	}
	return nil
}
