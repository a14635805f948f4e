package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// quickstartOn writes testdata/quickstart.yaml with another port.
func quickstartOn(t *testing.T, port string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(t.TempDir(), "regsetup.yaml")
	if err := os.WriteFile(spec, append(data, []byte("port: "+port+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestInitUpVerifyDown is the CI pipeline's one command: init --up
// --verify, then down, through the CLI with the real docker.
func TestInitUpVerifyDown(t *testing.T) {
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	spec := quickstartOn(t, "16047")
	t.Cleanup(func() { runCLI(t, "down", "--spec", spec, "--project", "cmd-initupverify") })
	code, stdout, stderr := runCLI(t, "init", "--spec", spec, "--project", "cmd-initupverify", "--up", "--verify", "--resolve", "myregistrydomain.com:16047:127.0.0.1", "--layer-size", "65536")
	if code != exitOK || !strings.Contains(stdout, "PASS: 8 passed, 0 failed") {
		t.Fatalf("init --up --verify: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "regsetup: ready in") {
		t.Errorf("no progress on stderr:\n%s", stderr)
	}
	if code, _, stderr := runCLI(t, "down", "--spec", spec, "--project", "cmd-initupverify"); code != exitOK {
		t.Fatalf("down: exit %d: %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "verify", "--spec", spec, "--resolve", "myregistrydomain.com:16047:127.0.0.1"); code != exitCannotRun {
		t.Errorf("verify after down: exit %d, want %d (could not run: nothing listens)", code, exitCannotRun)
	}
}

// TestUpWithoutDocker: a clear error and exit 7, no stack trace.
func TestUpWithoutDocker(t *testing.T) {
	spec := quickstartOn(t, "16048")
	t.Setenv("PATH", t.TempDir())
	code, _, stderr := runCLI(t, "up", "--spec", spec)
	if code != exitCannotRun || !strings.Contains(stderr, "docker is not installed") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestUpPortTaken: another program on the port is reported before
// anything starts.
func TestUpPortTaken(t *testing.T) {
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	l, err := net.Listen("tcp", ":16049")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	spec := quickstartOn(t, "16049")
	code, _, stderr := runCLI(t, "up", "--spec", spec, "--project", "cmd-porttaken")
	if code != exitCannotRun || !strings.Contains(stderr, "port 16049 is taken") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestDownNeedsNoSecrets: down works once the password variables are gone
// (as at the end of a CI job).
func TestDownNeedsNoSecrets(t *testing.T) {
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "regsetup.yaml")
	os.WriteFile(spec, []byte("domain: myregistrydomain.com\ntls: {generate: true}\nusers: [{name: ci, password_env: REGSETUP_TEST_GONE}]\naccess: {push: [ci]}\n"), 0o644)
	t.Setenv("REGSETUP_TEST_GONE", "a-password")
	if code, _, stderr := runCLI(t, "init", "--spec", spec); code != exitOK {
		t.Fatalf("init: %s", stderr)
	}
	os.Unsetenv("REGSETUP_TEST_GONE")
	if code, _, stderr := runCLI(t, "down", "--spec", spec, "--project", "cmd-downnosecrets"); code != exitOK {
		t.Errorf("down without the password variable: exit %d: %s", code, stderr)
	}
}
