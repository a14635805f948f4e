package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leakSpec is a spec whose passwords come inline, from a file and from the
// environment, with a generated certificate.
func leakSpec(domain string, port int, pull string) string {
	return fmt.Sprintf(`domain: %s
port: %d
tls:
  generate: true
bcrypt_cost: 4
users:
  - name: puller
    password: %s
  - name: pusher
    password: %s
  - name: filer
    password_file: filer.password
  - name: envy
    password_env: %s
groups:
  pushers: [pusher]
access:
  pull: authenticated
  push: [pushers]
`, domain, port, pull, leakPwPush, leakEnvVar)
}

// leakDir writes a leak spec (and its password file) into a new folder and
// returns the spec's path.
func leakDir(t *testing.T, domain string, port int, pull string) string {
	t.Helper()
	t.Setenv(leakEnvVar, leakPwEnv)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "filer.password"), []byte(leakPwFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "regsetup.yaml")
	if err := os.WriteFile(spec, []byte(leakSpec(domain, port, pull)), 0o644); err != nil {
		t.Fatal(err)
	}
	return spec
}

// runChecked runs the CLI in-process, also catching anything written to
// the process's own stdout and stderr (a library printing directly), and
// checks every output for secrets. It returns the exit code and stdout.
func runChecked(t *testing.T, s *secrets, args ...string) (int, string) {
	t.Helper()
	var code int
	var stdout, stderr string
	direct := captureStd(t, func() { code, stdout, stderr = runCLI(t, args...) })
	name := strings.Join(args[:1], " ")
	s.check(t, name+" stdout", stdout)
	s.check(t, name+" stderr", stderr)
	s.check(t, name+" (written to os.Stdout/os.Stderr directly)", direct)
	return code, stdout + stderr
}

// captureStd runs fn with os.Stdout and os.Stderr sent to a file and
// returns what was written there.
func captureStd(t *testing.T, fn func()) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "std")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	outw, errw := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = f, f
	defer func() { os.Stdout, os.Stderr = outw, errw }()
	fn()
	f.Seek(0, io.SeekStart)
	b, _ := io.ReadAll(f)
	return string(b)
}

// wantCode fails the test unless code is want.
func wantCode(t *testing.T, what string, code, want int, output string) {
	t.Helper()
	if code != want {
		t.Errorf("%s: exit %d, want %d\n%s", what, code, want, output)
	}
}
