package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// TestNoLeakVerify runs verify against a native stack (text, --json,
// --junit; the right passwords and a wrong one) and against nothing
// listening, and checks every output, report file and the stack's logs.
func TestNoLeakVerify(t *testing.T) {
	stacktest.Require(t)
	const domain = "leak.example.test"
	spec := leakDir(t, domain, portLeakNative, leakPwInline)
	out := filepath.Dir(spec)
	s := newSecrets()
	code, o := runChecked(t, s, "init", "--spec", spec)
	wantCode(t, "init", code, exitOK, o)
	s.addOutput(t, out)
	stack := stacktest.Start(t, out, stacktest.Options{})
	wrong := leakDir(t, domain, portLeakNative, leakPwWrong)
	nothing := leakDir(t, domain, portLeakNothing, leakPwInline)
	cases := []struct {
		name, spec string
		port       int
		flags      []string
		code       int
	}{
		{"text", spec, stack.Port, nil, exitOK},
		{"json and junit", spec, stack.Port, []string{"--json", "--junit"}, exitOK},
		{"wrong password, text and junit", wrong, stack.Port, []string{"--junit"}, exitUnhealthy},
		{"wrong password, json", wrong, stack.Port, []string{"--json"}, exitUnhealthy},
		{"nothing listening, json and junit", nothing, portLeakNothing, []string{"--json", "--junit"}, exitCannotRun},
		{"nothing listening, text", nothing, portLeakNothing, nil, exitCannotRun},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"verify", "--spec", c.spec, "--out", out, "--layers", "1", "--layer-size", "4096",
				"--resolve", fmt.Sprintf("%s:%d:127.0.0.1", domain, c.port)}
			junit := ""
			for _, f := range c.flags {
				if f == "--junit" {
					junit = filepath.Join(t.TempDir(), "report.xml")
					f += "=" + junit
				}
				args = append(args, f)
			}
			code, o := runChecked(t, s, args...)
			wantCode(t, c.name, code, c.code, o)
			if junit != "" {
				s.checkFile(t, junit)
			}
		})
	}
	s.check(t, "the Apache log", stack.ApacheLog())
	s.check(t, "the registry log", stack.RegistryLog())
}
