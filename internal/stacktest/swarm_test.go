package stacktest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
)

// TestSwarmIsPrivate: the private daemon is a one-node swarm with the
// images copied in, and the default daemon stays out of swarm mode.
func TestSwarmIsPrivate(t *testing.T) {
	testenv.Long(t, "starts a private dockerd")
	s := stacktest.StartSwarm(t, "registry:2")
	out, err := s.Docker("node", "ls", "--format", "{{.Status}} {{.ManagerStatus}}")
	if err != nil || out != "Ready Leader" {
		t.Errorf("docker node ls: %q, %v; want one Ready Leader", out, err)
	}
	if out, err := s.Docker("image", "inspect", "--format", "{{.Id}}", "registry:2"); err != nil {
		t.Errorf("registry:2 was not copied in: %v: %s", err, out)
	}
	state, err := exec.Command("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output()
	if err != nil || strings.TrimSpace(string(state)) != "inactive" {
		t.Errorf("the default daemon's swarm state is %q (%v), want inactive", state, err)
	}
}
