package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
)

// quickstart copies testdata/quickstart.yaml into a new folder.
func quickstart(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "regsetup.yaml")
	if err := os.WriteFile(spec, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestInitFlow(t *testing.T) {
	spec := quickstart(t)
	dir := filepath.Dir(spec)
	steps := []struct {
		name   string
		args   []string
		before func()
		code   int
		stdout string
		stderr string
	}{
		{"check before init finds drift", []string{"init", "--check"}, nil, exitDrift, "would be created auth/httpd.conf", "differs from the spec"},
		{"init creates", []string{"init"}, nil, exitOK, "created    auth/httpd.htpasswd", "certs.d/myregistrydomain.com:5043/ca.crt"},
		{"init again changes nothing", []string{"init"}, nil, exitOK, "unchanged  auth/httpd.conf", ""},
		{"check is clean", []string{"init", "--check"}, nil, exitOK, "unchanged  docker-compose.yml", ""},
		{"an edit is kept", []string{"init"}, func() { appendTo(t, filepath.Join(dir, "auth", "httpd.conf"), "# mine\n") }, exitEdited, "", "auth/httpd.conf"},
		{"check reports the edit", []string{"init", "--check"}, nil, exitDrift, "would be edited auth/httpd.conf", ""},
		{"force replaces it", []string{"init", "--force"}, nil, exitOK, "replaced   auth/httpd.conf", ""},
		{"bad flag", []string{"init", "--no-such-flag"}, nil, exitUsage, "", "flag provided but not defined"},
		{"missing spec", []string{"init", "--spec", filepath.Join(dir, "nope.yaml")}, nil, exitFailure, "", "nope.yaml"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.before != nil {
				s.before()
			}
			args := s.args
			if !strings.Contains(strings.Join(args, " "), "--spec") {
				args = append(args, "--spec", spec)
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != s.code || !strings.Contains(stdout, s.stdout) || !strings.Contains(stderr, s.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s(want %q)\nstderr:\n%s(want %q)", code, s.code, stdout, s.stdout, stderr, s.stderr)
			}
		})
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(text)
	f.Close()
}

func TestInitJSON(t *testing.T) {
	spec := quickstart(t)
	code, stdout, stderr := runCLI(t, "init", "--json", "--spec", spec, "--out", filepath.Join(t.TempDir(), "out"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Profile string `json:"profile"`
		Files   []struct{ Path, Action string }
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if res.Profile != "secure" || len(res.Files) != 8 || res.Files[0].Action != "created" {
		t.Errorf("unexpected result: %+v", res)
	}
}

// TestEnvDefaults uses REGSETUP_SPEC and REGSETUP_OUT instead of flags.
func TestEnvDefaults(t *testing.T) {
	spec := quickstart(t)
	out := filepath.Join(t.TempDir(), "elsewhere")
	t.Setenv("REGSETUP_SPEC", spec)
	t.Setenv("REGSETUP_OUT", out)
	if code, _, stderr := runCLI(t, "init"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "auth", "httpd.conf")); err != nil {
		t.Errorf("REGSETUP_OUT was not used: %v", err)
	}
}

// TestExample: the starter spec renders as it is.
func TestExample(t *testing.T) {
	code, stdout, _ := runCLI(t, "example")
	if code != exitOK || !strings.Contains(stdout, "domain:") {
		t.Fatalf("example: exit %d\n%s", code, stdout)
	}
	spec := filepath.Join(t.TempDir(), "regsetup.yaml")
	os.WriteFile(spec, []byte(stdout), 0o644)
	if code, _, stderr := runCLI(t, "init", "--spec", spec); code != exitOK {
		t.Errorf("the starter spec does not render: %s", stderr)
	}
}
