// Package execx runs external commands behind a small interface, so the
// logic that drives docker, compose or httpd can be tested without them.
package execx

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Cmd describes one command to run.
type Cmd struct {
	Name  string    // program name or path
	Args  []string  // arguments, without Name
	Dir   string    // working directory; "" is the current one
	Env   []string  // extra KEY=VALUE pairs added to the environment
	Stdin io.Reader // optional standard input (e.g. a password, never an argument)
}

// String is the command line as a person would type it.
func (c Cmd) String() string {
	parts := append([]string{c.Name}, c.Args...)
	for i, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\n'\"$`\\") {
			parts[i] = "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
		}
	}
	return strings.Join(parts, " ")
}

// Runner runs commands. Output returns stdout; on failure the error is an
// *Error carrying the command line and its combined output.
type Runner interface {
	Output(ctx context.Context, c Cmd) ([]byte, error)
}

// Error is a command that could not start or exited non-zero.
type Error struct {
	Cmd    string // the command line
	Output string // stdout and stderr, trimmed
	Err    error  // *exec.ExitError, exec.ErrNotFound, ...
}

func (e *Error) Error() string {
	if e.Output == "" {
		return fmt.Sprintf("running %s: %v", e.Cmd, e.Err)
	}
	return fmt.Sprintf("running %s: %v: %s", e.Cmd, e.Err, e.Output)
}

func (e *Error) Unwrap() error { return e.Err }

// OS runs commands on this machine.
type OS struct{}

// Output runs c and returns its standard output.
func (OS) Output(ctx context.Context, c Cmd) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(cmd.Environ(), c.Env...)
	}
	cmd.Stdin = c.Stdin
	var stdout, both bytes.Buffer
	cmd.Stdout = io.MultiWriter(&stdout, &both)
	cmd.Stderr = &both
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &Error{Cmd: c.String(), Output: strings.TrimSpace(both.String()), Err: err}
	}
	return stdout.Bytes(), nil
}
