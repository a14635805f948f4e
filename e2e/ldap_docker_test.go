package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/stacktest"
)

const portLDAPDocker = 15177

// dockerAs runs the docker CLI with its own config folder (the user's is
// never touched) and returns its combined output.
func dockerAs(t *testing.T, config, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("docker", append([]string{"--config", config}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestLDAPDockerClient: the real docker CLI against the directory backend:
// a member logs in, pushes and pulls; a reader's push is "denied"; a
// disabled account cannot log in; with the directory down, docker login
// fails at once with the 500 (docker prints the status, not the body),
// and Apache's log says why.
func TestLDAPDockerClient(t *testing.T) {
	needDocker(t)
	stacktest.Require(t)
	d := startDirectory(t)
	spec := initLDAP(t, d, ldapSpec(portLDAPDocker, adBlock(d.Port, "starttls")))
	s := start(t, spec)
	host := "myregistrydomain.com:" + itoa(portLDAPDocker)
	trustInDocker(t, host, filepath.Join(filepath.Dir(spec), "auth", "domain.crt"))
	ref := host + "/team/ldap-docker:1"
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "hello.txt"), []byte("directory sign-in\n"))
	if out, err := exec.Command("sh", "-c", "tar -C "+src+" -c . | docker import - "+ref).CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", ref).Run() })

	bref := host + "/team/bob:1"
	if out, err := exec.Command("docker", "tag", ref, bref).CombinedOutput(); err != nil {
		t.Fatalf("docker tag: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", bref).Run() })

	alice, bob, erin, frank := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for _, step := range []struct {
		config, stdin string
		args          []string
		ok            bool
		says          string
	}{
		{alice, "alice-pass", []string{"login", "-u", "alice", "--password-stdin", host}, true, "Login Succeeded"},
		{alice, "", []string{"push", ref}, true, "1: digest"},
		{alice, "", []string{"rmi", ref}, true, ""},
		{alice, "", []string{"pull", ref}, true, "Downloaded newer image"},
		{bob, "bob-pass", []string{"login", "-u", "bob", "--password-stdin", host}, true, "Login Succeeded"},
		{bob, "", []string{"push", bref}, false, "denied: requested access to the resource is denied by the proxy"},
		{erin, "erin-pass", []string{"login", "-u", "erin", "--password-stdin", host}, false, "401 Unauthorized"},
	} {
		out, err := dockerAs(t, step.config, step.stdin, step.args...)
		t.Logf("docker %s: %v\n%s", strings.Join(step.args, " "), err, out)
		if (err == nil) != step.ok || !strings.Contains(out, step.says) {
			t.Fatalf("docker %s: err=%v, want ok=%v and %q in:\n%s", strings.Join(step.args, " "), err, step.ok, step.says, out)
		}
	}
	d.Stop()
	out, err := dockerAs(t, frank, "frank-pass", "login", "-u", "frank", "--password-stdin", host)
	t.Logf("docker login, directory down: %v\n%s", err, out)
	if err == nil || !strings.Contains(out, "500") {
		t.Errorf("docker login with the directory down: err=%v, want a 500 in:\n%s", err, out)
	}
	// A push at this point is retried by docker for about 50 s and ends
	// with "received unexpected HTTP status: 500 Internal Server Error":
	// docker prints no body for a 500 (measured; not repeated here).
	if !strings.Contains(s.ApacheLog(), "Can't contact LDAP server") {
		t.Errorf("apache's log does not say why:\n%s", s.ApacheTail(20))
	}
}
