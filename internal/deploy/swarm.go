package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/execx"
	"github.com/regsetup/regsetup/internal/outdir"
)

// Swarm runs one stack's docker stack and service commands on a swarm
// manager (the docker CLI's own DOCKER_HOST or context).
type Swarm struct {
	Runner execx.Runner
	File   string // stack.yml
	Stack  string // the stack's name
}

// IsSwarm reports whether dir was rendered for deploy.target swarm: it
// has a stack file and no compose file (down and status need no spec).
func IsSwarm(dir string) bool {
	return fileExists(filepath.Join(dir, generator.StackFile)) && !fileExists(filepath.Join(dir, generator.ComposeFile))
}

func (o *Options) swarm() *Swarm {
	return &Swarm{Runner: o.Runner, File: filepath.Join(o.Dir, generator.StackFile), Stack: o.Project}
}

func (s *Swarm) docker(ctx context.Context, args ...string) ([]byte, error) {
	return s.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: args, Dir: filepath.Dir(s.File)})
}

// Hint is the command a person runs to see more.
func (s *Swarm) Hint(args ...string) string { return execx.Cmd{Name: "docker", Args: args}.String() }

// service is a stack service's name in the swarm (STACK_apache).
func (s *Swarm) service(name string) string { return s.Stack + "_" + name }

// openSwarm checks that docker answers and is a swarm manager, and reads
// the stack file and the auth/ set on disk.
func (o *Options) openSwarm(ctx context.Context) (*Swarm, stackFile, string, error) {
	if err := (Docker{Runner: o.Runner}).Ping(ctx); err != nil {
		return nil, stackFile{}, "", err
	}
	s := o.swarm()
	if err := s.Manager(ctx); err != nil {
		return nil, stackFile{}, "", err
	}
	sf, err := readStack(s.File, s.Stack)
	if err != nil {
		return nil, stackFile{}, "", err
	}
	set, err := outdir.CurrentSet(o.Dir)
	return s, sf, set, err
}

// snapshot is the stack's services and the tasks meant to run.
func (s *Swarm) snapshot(ctx context.Context) (map[string]*swarmService, []swarmTask, error) {
	services, err := s.Services(ctx)
	if err != nil {
		return nil, nil, err
	}
	tasks, err := s.Tasks(ctx)
	return services, tasks, err
}

// Manager checks that this docker is a swarm manager (stack commands run
// only there).
func (s *Swarm) Manager(ctx context.Context) error {
	out, err := s.docker(ctx, "info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
	if err != nil {
		return fmt.Errorf("%w: asking docker about the swarm: %w", ErrEnvironment, err)
	}
	if got := strings.TrimSpace(string(out)); got != "active true" {
		return fmt.Errorf("%w: deploy.target is swarm, but this docker is not a swarm manager (swarm state %q): run regsetup on a manager, or make one with docker swarm init", ErrEnvironment, got)
	}
	return nil
}

// Deploy creates or updates the stack from the stack file. Images are
// used as the nodes have them (no registry is asked); services no longer
// in the file are removed.
func (s *Swarm) Deploy(ctx context.Context) error {
	if _, err := s.docker(ctx, "stack", "deploy", "--resolve-image", "never", "--prune", "-c", s.File, s.Stack); err != nil {
		return fmt.Errorf("%w: deploying the stack: %w", ErrUnhealthy, err)
	}
	return nil
}

// Remove removes the stack's services, networks, configs and secrets.
// Bind-mounted folders (data/) and volumes are not touched.
func (s *Swarm) Remove(ctx context.Context) error {
	if _, err := s.docker(ctx, "stack", "rm", s.Stack); err != nil {
		return fmt.Errorf("removing the stack: %w", err)
	}
	return nil
}

// objectNames lists the stack's configs or secrets (kind "config" or
// "secret"): those docker stack deploy made for it, labeled with its
// namespace.
func (s *Swarm) objectNames(ctx context.Context, kind string) ([]string, error) {
	out, err := s.docker(ctx, kind, "ls", "--filter", "label=com.docker.stack.namespace="+s.Stack, "--format", "{{.Name}}")
	if err != nil {
		return nil, fmt.Errorf("%w: listing the stack's %ss: %w", ErrEnvironment, kind, err)
	}
	var names []string
	for _, n := range strings.Fields(string(out)) {
		names = append(names, n)
	}
	return names, nil
}

// PruneObjects removes the stack's configs and secrets that the stack
// file no longer names (keep). One still in use stays and is reported.
func (s *Swarm) PruneObjects(ctx context.Context, keep map[string]bool) (removed []string, notes []string, err error) {
	for _, kind := range []string{"config", "secret"} {
		names, err := s.objectNames(ctx, kind)
		if err != nil {
			return removed, notes, err
		}
		for _, n := range stale(names, keep) {
			if _, err := s.docker(ctx, kind, "rm", n); err != nil {
				notes = append(notes, fmt.Sprintf("kept the stale %s %s: %s", kind, n, lastLine(err)))
				continue
			}
			removed = append(removed, n)
		}
	}
	return removed, notes, nil
}

// stale are the names not in keep, sorted.
func stale(names []string, keep map[string]bool) []string {
	var out []string
	for _, n := range names {
		if !keep[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Logs returns the last lines of one service's log (all its tasks).
func (s *Swarm) Logs(ctx context.Context, service string, lines int) string {
	out, err := s.docker(ctx, "service", "logs", "--no-task-ids", "--tail", fmt.Sprint(lines), s.service(service))
	return outputOf(out, err)
}

// TaskErrors are the last task states of a service, with their errors
// (docker service ps).
func (s *Swarm) TaskErrors(ctx context.Context, service string) string {
	out, err := s.docker(ctx, "service", "ps", "--no-trunc", "--format", "{{.Name}} {{.CurrentState}} {{.Error}}", s.service(service))
	if err != nil {
		return lastLine(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > 6 {
		lines = lines[:6]
	}
	return strings.Join(lines, "\n")
}

// failure adds a service's task states, the tail of its log and the
// command to see more. It asks for them even when ctx is done, for at
// most 15 s (docker service logs can hang on a task's stream).
func (s *Swarm) failure(ctx context.Context, service string, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	return fmt.Errorf("%w\ntasks of %s:\n%s\nlast lines of %s's log:\n%s\nsee more: %s", err, s.service(service),
		indent(s.TaskErrors(ctx, service)), s.service(service), indent(s.Logs(ctx, service, 20)), s.Hint("service", "ps", "--no-trunc", s.service(service)))
}
