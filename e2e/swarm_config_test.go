package e2e

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/testenv"
)

// TestSwarmStackConfigAccepts: the docker CLI's own stack loader
// (`docker stack config`, no swarm needed) accepts the rendered stack.yml,
// reads the topology as rendered, and finds none of the keys stack deploy
// ignores (restart, links, container_name) or rejects in long form
// (depends_on).
func TestSwarmStackConfigAccepts(t *testing.T) {
	docker := testenv.Tool(t, "docker")
	spec := initSpec(t, t.TempDir(), swarmSpec())
	out, err := exec.Command(docker, "stack", "config", "-c", filepath.Join(filepath.Dir(spec), generator.StackFile)).CombinedOutput()
	if err != nil {
		t.Fatalf("docker stack config: %v\n%s", err, out)
	}
	text := string(out)
	if bad := regexp.MustCompile(`(?m)^\s+(restart|links|container_name|depends_on):`).FindAllString(text, -1); len(bad) > 0 {
		t.Errorf("keys stack deploy ignores or rejects: %q\n%s", bad, text)
	}
	mustContain(t, "docker stack config", text, "endpoint_mode: dnsrr", "mode: host", "order: start-first",
		"target: /etc/docker/registry/config.yml", "source: httpd_htpasswd_", "/auth/httpd.htpasswd\n")
}
