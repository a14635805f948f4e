package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuthMountFollowsChanges bind-mounts OUT/auth into a running httpd:2.4
// container, as docker-compose.yml does, and applies three successive
// specs with different passwords and ports: after each, the container reads
// the newest htpasswd and httpd.conf through the mount. (With auth/ as a
// symlink that init swaps, docker kept the folder it resolved at creation,
// and the container never saw a later set.)
func TestAuthMountFollowsChanges(t *testing.T) {
	needDocker(t)
	dir := t.TempDir()
	out, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	changes := []specParams{
		{Profile: "recipe", Port: 5043, PullPassword: "first-password"},
		{Profile: "recipe", Port: 5044, PullPassword: "second-password"},
		{Profile: "recipe", Port: 5045, PullPassword: "third-password"},
	}
	var container string
	for i, p := range changes {
		var b bytes.Buffer
		if err := stackSpec.Execute(&b, p); err != nil {
			t.Fatal(err)
		}
		initSpec(t, dir, b.Bytes())
		if i == 0 {
			container = runMounted(t, filepath.Join(out, "auth"))
		}
		for _, f := range []string{"httpd.htpasswd", "httpd.conf"} {
			want, err := os.ReadFile(filepath.Join(out, "auth", f))
			if err != nil {
				t.Fatal(err)
			}
			got := dockerExec(t, container, "cat", "/usr/local/apache2/conf/"+f)
			if got != string(want) {
				t.Errorf("change %d: the container reads an old %s (%d bytes; the disk has %d)", i+1, f, len(got), len(want))
			}
		}
		if conf := dockerExec(t, container, "cat", "/usr/local/apache2/conf/httpd.conf"); !strings.Contains(conf, fmt.Sprintf("Listen %d\n", p.Port)) {
			t.Errorf("change %d: the container's httpd.conf does not listen on %d", i+1, p.Port)
		}
	}
}

// runMounted starts httpd:2.4 (sleeping, no network) with auth mounted
// read-only where the recipe mounts it, and removes it at the end.
func runMounted(t *testing.T, auth string) string {
	t.Helper()
	b, err := exec.Command("docker", "run", "-d", "--network", "none",
		"-v", auth+":/usr/local/apache2/conf:ro", "httpd:2.4", "sleep", "600").CombinedOutput()
	if err != nil {
		t.Fatalf("docker run: %v\n%s", err, b)
	}
	id := strings.TrimSpace(string(b))
	t.Cleanup(func() {
		if b, err := exec.Command("docker", "rm", "-f", id).CombinedOutput(); err != nil {
			t.Errorf("docker rm -f %s: %v\n%s", id, err, b)
		}
	})
	return id
}

// dockerExec runs a command in the container and returns its stdout.
func dockerExec(t *testing.T, container string, args ...string) string {
	t.Helper()
	cmd := exec.Command("docker", append([]string{"exec", container}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Errorf("docker exec %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(b)
}
