package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden" // go test ./... -update passes -update here too
)

// recorder is a testing.TB that records how a test would end instead of
// ending it; Fatalf and Skipf stop the calling goroutine as the real ones do.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(f string, a ...any) {
	r.failed, r.msg = true, f
	runtime.Goexit()
}
func (r *recorder) Skipf(f string, a ...any) {
	r.skipped, r.msg = true, f
	runtime.Goexit()
}

// call runs f with a recorder in its own goroutine (Goexit ends only it)
// and returns the recorder and what f returned, if it returned.
func call(t *testing.T, f func(testing.TB) string) (*recorder, string) {
	r := &recorder{TB: t}
	var got string
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = f(r)
	}()
	<-done
	return r, got
}

func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "TRUE": true, "false": false, "0": false, "": false, "yes": false} {
		t.Run("CI="+v, func(t *testing.T) {
			t.Setenv("CI", v)
			if got := InCI(); got != want {
				t.Errorf("InCI() = %v, want %v", got, want)
			}
		})
	}
}

func TestTool(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("the test needs sh on PATH: %v", err)
	}
	tests := []struct {
		name    string
		ci      string
		prog    string
		paths   []string
		want    string
		failed  bool
		skipped bool
	}{
		{name: "first existing path wins", prog: "nonesuch", paths: []string{filepath.Join(dir, "absent"), dir, prog}, want: prog},
		{name: "else PATH", prog: "sh", paths: []string{filepath.Join(dir, "absent")}, want: sh},
		{name: "missing skips outside CI", ci: "false", prog: "regsetup-no-such-tool", skipped: true},
		{name: "missing fails under CI", ci: "true", prog: "regsetup-no-such-tool", failed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r, got := call(t, func(tb testing.TB) string { return Tool(tb, tt.prog, tt.paths...) })
			if r.failed != tt.failed || r.skipped != tt.skipped {
				t.Fatalf("failed=%v skipped=%v (%q), want failed=%v skipped=%v", r.failed, r.skipped, r.msg, tt.failed, tt.skipped)
			}
			if got != tt.want {
				t.Errorf("Tool = %q, want %q", got, tt.want)
			}
			if (tt.failed || tt.skipped) && !strings.Contains(r.msg, "ci-setup.sh") {
				t.Errorf("message %q does not say how to install the tool", r.msg)
			}
		})
	}
}
