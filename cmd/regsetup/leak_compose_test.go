package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/testenv"
)

// leakProject is the compose project of the up/down leak test (explicit,
// so it cannot collide with another test's stack).
const leakProject = "regsetup-leaktest"

// needCompose fails (under CI) or skips without docker, its daemon,
// `docker compose` or the local images.
func needCompose(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "docker")
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		testenv.Missing(t, "a running docker daemon ("+strings.TrimSpace(string(out))+")")
	}
	if err := exec.Command("docker", "compose", "version").Run(); err != nil {
		testenv.Missing(t, "docker compose")
	}
	for _, img := range []string{"httpd:2.4", "registry:2"} {
		if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
			testenv.Missing(t, "the image "+img+" (images/build.sh)")
		}
	}
}

// TestNoLeakUpDown runs up, verify, a password change (up restarts Apache
// on the new auth set), verify again and down with the real docker, and
// checks every output and the containers' logs.
func TestNoLeakUpDown(t *testing.T) {
	needCompose(t)
	const domain = "leak.example.test"
	spec := leakDir(t, domain, portLeakCompose, leakPwInline)
	s := newSecrets()
	stack := []string{"--spec", spec, "--compose", "docker compose", "--project", leakProject}
	t.Cleanup(func() { runCLI(t, append([]string{"down"}, stack...)...) })
	verifyArgs := []string{"verify", "--spec", spec, "--json", "--layers", "1", "--layer-size", "4096",
		"--resolve", fmt.Sprintf("%s:%d:127.0.0.1", domain, portLeakCompose)}
	code, o := runChecked(t, s, append([]string{"up", "--timeout", "90s"}, stack...)...)
	wantCode(t, "up", code, exitOK, o)
	s.addOutput(t, filepath.Dir(spec))
	code, o = runChecked(t, s, append(verifyArgs, "--junit", filepath.Join(t.TempDir(), "a.xml"))...)
	wantCode(t, "verify", code, exitOK, o)
	text, _ := os.ReadFile(spec)
	os.WriteFile(spec, []byte(strings.Replace(string(text), leakPwInline, leakPwWrong, 1)), 0o644)
	code, o = runChecked(t, s, append([]string{"up", "--timeout", "90s"}, stack...)...)
	wantCode(t, "up after a password change", code, exitOK, o)
	s.addOutput(t, filepath.Dir(spec))
	code, o = runChecked(t, s, verifyArgs...)
	wantCode(t, "verify with the new password (Apache must read the new set)", code, exitOK, o)
	logs, _ := exec.Command("docker", "compose", "-p", leakProject, "-f", filepath.Join(filepath.Dir(spec), "docker-compose.yml"), "logs", "--no-color").CombinedOutput()
	s.check(t, "the containers' logs", string(logs))
	code, o = runChecked(t, s, append([]string{"down"}, stack...)...)
	wantCode(t, "down", code, exitOK, o)
}
