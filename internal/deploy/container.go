package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/regsetup/regsetup/internal/execx"
)

// ApacheConfDir is where the Apache container mounts OUT/auth.
const ApacheConfDir = "/usr/local/apache2/conf"

// Container is what docker says about one service's container.
type Container struct {
	Service   string `json:"service"`
	ID        string `json:"id"`
	State     string `json:"state"`            // running, exited, restarting, ...
	Health    string `json:"health,omitempty"` // healthy, unhealthy, starting; "" without a healthcheck
	StartedAt string `json:"started_at"`       // when its main process last started
	// Desired and Tasks (swarm): the replicas asked for, and the tasks
	// running the service's current spec.
	Desired int `json:"desired,omitempty"`
	Tasks   int `json:"tasks,omitempty"`
	// ConfSource is the host folder mounted at ApacheConfDir ("" if none).
	ConfSource string `json:"-"`
}

// Running reports whether the container's process runs.
func (c *Container) Running() bool { return c != nil && c.State == "running" }

// Containers maps each service of the project to its container (the
// newest one when there are several), as docker inspect reports it.
func (c *Compose) Containers(ctx context.Context) (map[string]*Container, error) {
	out, err := c.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: []string{"ps", "-a", "-q", "--no-trunc",
		"--filter", "label=com.docker.compose.project=" + c.Project}})
	if err != nil {
		return nil, fmt.Errorf("%w: listing the project's containers: %w", ErrEnvironment, err)
	}
	ids := strings.Fields(string(out))
	found := map[string]*Container{}
	if len(ids) == 0 {
		return found, nil
	}
	out, err = c.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: append([]string{"inspect"}, ids...)})
	if err != nil {
		return nil, fmt.Errorf("%w: inspecting the project's containers: %w", ErrEnvironment, err)
	}
	var inspected []struct {
		ID     string
		Config struct{ Labels map[string]string }
		State  struct {
			Status    string
			StartedAt string
			Health    *struct{ Status string }
		}
		Mounts []struct{ Source, Destination string }
	}
	if err := json.Unmarshal(out, &inspected); err != nil {
		return nil, fmt.Errorf("reading docker inspect: %w", err)
	}
	sort.SliceStable(inspected, func(i, j int) bool { return inspected[i].State.StartedAt < inspected[j].State.StartedAt })
	for _, in := range inspected {
		svc := in.Config.Labels["com.docker.compose.service"]
		if svc == "" || in.Config.Labels["com.docker.compose.oneoff"] == "True" {
			continue
		}
		ct := &Container{Service: svc, ID: in.ID, State: in.State.Status, StartedAt: in.State.StartedAt}
		if in.State.Health != nil {
			ct.Health = in.State.Health.Status
		}
		for _, m := range in.Mounts {
			if m.Destination == ApacheConfDir {
				ct.ConfSource = m.Source
			}
		}
		if prev := found[svc]; prev == nil || !prev.Running() || ct.Running() {
			found[svc] = ct
		}
	}
	return found, nil
}

// States maps each service of the project to its container state; empty
// when docker cannot tell.
func (c *Compose) States(ctx context.Context) map[string]string {
	states := map[string]string{}
	cs, err := c.Containers(ctx)
	if err != nil {
		return states
	}
	for svc, ct := range cs {
		states[svc] = ct.State
	}
	return states
}

// mountStale reports why the running Apache does not see authDir (the real
// folder on disk), or "" when it does: the container mounts another path,
// or the folder at that path was replaced since (another inode), as after
// the migration from the symlinked layout or from a hand-made auth/.
func (c *Compose) mountStale(ctx context.Context, apache *Container, authDir string) (string, error) {
	if filepath.Clean(apache.ConfSource) != filepath.Clean(authDir) {
		return fmt.Sprintf("it mounts %s, not %s", apache.ConfSource, authDir), nil
	}
	out, err := c.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: []string{"exec", apache.ID, "stat", "-L", "-c", "%d:%i", ApacheConfDir}})
	if err != nil {
		return "", fmt.Errorf("%w: reading the apache container's %s: %w", ErrUnhealthy, ApacheConfDir, err)
	}
	st, err := os.Stat(authDir)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", authDir, err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "", errors.New("reading the folder's inode: not supported on this system")
	}
	if host := fmt.Sprintf("%d:%d", sys.Dev, sys.Ino); strings.TrimSpace(string(out)) != host {
		return fmt.Sprintf("the folder it mounted at %s was replaced since", authDir), nil
	}
	return "", nil
}
