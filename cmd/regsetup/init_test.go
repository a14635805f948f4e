package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// quickstart copies testdata/quickstart.yaml into a new folder.
func quickstart(t *testing.T) string {
	t.Helper()
	return copyQuickstart(t, t.TempDir())
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

// TestCommandLine: every bad command line exits 2 (usage) with a hint, and
// help still works.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"typo gets a hint", []string{"inti"}, exitUsage, "", `unknown command "inti"; did you mean "init"?`},
		{"swapped letters", []string{"verfiy"}, exitUsage, "", `did you mean "verify"?`},
		{"far from any command", []string{"xyzzy"}, exitUsage, "", `unknown command "xyzzy" (see regsetup --help)`},
		{"extra argument", []string{"init", "regsetup.yaml"}, exitUsage, "", `init takes no arguments, got ["regsetup.yaml"]`},
		{"extra argument after flags", []string{"example", "--", "x"}, exitUsage, "", "example takes no arguments"},
		{"unknown flag", []string{"init", "--chek"}, exitUsage, "", "flag provided but not defined"},
		{"unknown global flag", []string{"--bogus"}, exitUsage, "", "flag provided but not defined"},
		{"help for no such command", []string{"help", "inti"}, exitUsage, "", `did you mean "init"?`},
		{"no command shows help", nil, exitOK, "USAGE:", ""},
		{"help", []string{"help"}, exitOK, "COMMANDS:", ""},
		{"help for a command", []string{"help", "init"}, exitOK, "--check", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s(want %q)\nstderr:\n%s(want %q)", code, tt.code, stdout, tt.stdout, stderr, tt.stderr)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"init", "init", 0}, {"inti", "init", 1}, {"ini", "init", 1}, {"verfiy", "verify", 1}, {"up", "down", 4}, {"", "up", 2}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestInitJSONOneDocument: under --json every run of init, up and status
// prints exactly one JSON document with its outcome, also when it fails
// and also with --up --verify.
func TestInitJSONOneDocument(t *testing.T) {
	spec := quickstart(t)
	invalid := filepath.Join(golden.Root(), "testdata", "invalid", "port-zero.yaml")
	tests := []struct {
		name string
		args []string
		code int
		keys []string
	}{
		{"init", []string{"init", "--json", "--spec", spec}, exitOK, []string{"files", "profile"}},
		{"invalid spec", []string{"init", "--json", "--spec", invalid, "--out", t.TempDir()}, exitInvalid, []string{"error"}},
		{"up fails", []string{"init", "--json", "--up", "--verify", "--spec", spec, "--compose", "/nonexistent/compose", "--timeout", "1s"}, exitCannotRun, []string{"files", "error"}},
		{"regsetup up fails", []string{"up", "--json", "--spec", spec, "--compose", "/nonexistent/compose", "--timeout", "1s"}, exitCannotRun, []string{"error", "errors"}},
		{"up invalid spec", []string{"up", "--json", "--spec", invalid}, exitInvalid, []string{"errors"}},
		{"status not running", []string{"status", "--json", "--spec", spec, "--project", "regsetup-json-nothing"}, exitUnhealthy, []string{"error", "services"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			dec := json.NewDecoder(strings.NewReader(stdout))
			var doc map[string]json.RawMessage
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
			}
			if dec.More() {
				t.Errorf("stdout holds more than one JSON document:\n%s", stdout)
			}
			for _, k := range append(tt.keys, "ok", "exit_code", "outcome") {
				if _, ok := doc[k]; !ok {
					t.Errorf("the document has no %q:\n%s", k, stdout)
				}
			}
		})
	}
}

// TestInitUpVerifyJSON runs the CI pipeline's one command with --json on
// the real docker: stdout is one document holding the files, the up
// result and verify's report as verify --json writes it.
func TestInitUpVerifyJSON(t *testing.T) {
	testenv.Long(t, "starts a stack with docker compose")
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	const project, port = "cleanup-initjson", "16057"
	spec := quickstartOn(t, port)
	t.Cleanup(func() { runCLI(t, "down", "--spec", spec, "--project", project) })
	code, stdout, stderr := runCLI(t, "init", "--json", "--spec", spec, "--project", project, "--up", "--verify",
		"--resolve", "myregistrydomain.com:"+port+":127.0.0.1", "--layers", "1", "--layer-size", "4096")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc struct {
		Files  []struct{ Path, Action string }
		Up     json.RawMessage
		Verify struct {
			OK    bool
			Steps []struct{ Name, Status string }
		}
		Error string
	}
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than one JSON document:\n%s", stdout)
	}
	if len(doc.Files) == 0 || len(doc.Up) == 0 || !doc.Verify.OK || len(doc.Verify.Steps) == 0 || doc.Error != "" {
		t.Errorf("the document lacks a part (files, up, verify ok with steps) or has an error:\n%s", stdout)
	}
}
