package deploy

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/regsetup/regsetup/internal/outdir"
)

// ErrStale is wrapped when the running stack does not run the files on
// disk (an init without up, or a stack started by hand): up applies them.
var ErrStale = errors.New("the running stack differs from the files on disk")

// ErrNotRunning is wrapped when a service does not run or is unhealthy.
var ErrNotRunning = errors.New("the stack is not running")

// Services are the services of every rendered compose file.
var Services = []string{"apache", "registry"}

// Status is what runs, compared with the output folder.
type Status struct {
	Services []*Container `json:"services"` // Services in order; State "missing" when there is no container
	// Loaded is the auth/ set the running Apache loaded ("" when unknown);
	// Current is the one OUT/auth/.current names on disk.
	Loaded  string `json:"loaded_set"`
	Current string `json:"current_set"`
	InForce bool   `json:"in_force"` // the running stack runs the files on disk
	// Differs lists the files on disk the running stack has not loaded.
	Differs []string `json:"differs,omitempty"`
	Reason  string   `json:"reason,omitempty"` // why it cannot tell what Apache loaded
	// Endpoints (swarm) are the running Apache tasks' published ports.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
}

// StatusOf reports whether the stack runs (and its health), which set is
// in force, and whether the running stack differs from the disk. The error
// wraps ErrEnvironment when docker cannot tell, ErrNotRunning when a
// service does not run or is unhealthy, ErrStale when it runs other files.
func StatusOf(ctx context.Context, o Options) (*Status, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if err := (Docker{Runner: o.Runner}).Ping(ctx); err != nil {
		return nil, err
	}
	c := &Compose{Runner: o.Runner, File: filepath.Join(o.Dir, "docker-compose.yml"), Project: o.Project}
	cs, err := c.Containers(ctx)
	if err != nil {
		return nil, err
	}
	dsk, err := readDisk(o.Dir, c.File)
	if err != nil {
		return nil, err
	}
	if isInclude(o.Dir) {
		return statusInclude(ctx, o, c, cs, dsk.Set)
	}
	st := &Status{Current: dsk.Set}
	var down []string
	for _, svc := range Services {
		ct := cs[svc]
		if ct == nil {
			ct = &Container{Service: svc, State: "missing"}
		}
		st.Services = append(st.Services, ct)
		if !ct.Running() || ct.Health == "unhealthy" {
			down = append(down, svc+" is "+strings.TrimSpace(ct.State+" "+ct.Health))
		}
	}
	if !cs["apache"].Running() {
		return st, fmt.Errorf("%w: %s", ErrNotRunning, strings.Join(down, ", "))
	}
	if err := st.compare(ctx, c, cs["apache"], dsk, o.Dir); err != nil {
		return st, err
	}
	if len(down) > 0 {
		return st, fmt.Errorf("%w: %s", ErrNotRunning, strings.Join(down, ", "))
	}
	if !st.InForce {
		what := strings.Join(st.Differs, ", ")
		if st.Reason != "" {
			what = st.Reason
		}
		return st, fmt.Errorf("%w: %s (regsetup up applies them)", ErrStale, what)
	}
	return st, nil
}

// compare fills Loaded, InForce, Differs and Reason.
func (st *Status) compare(ctx context.Context, c *Compose, apache *Container, dsk disk, dir string) error {
	rec, err := readLive(dir)
	if err != nil {
		return err
	}
	stale, err := c.mountStale(ctx, apache, filepath.Join(dir, outdir.AuthDir))
	if err != nil {
		return err
	}
	differs, set, known := inForce(rec, apache, dsk)
	switch {
	case stale != "":
		st.Reason = "apache does not see auth/: " + stale
	case !known:
		st.Reason = "no record of what the running apache loaded (not started by regsetup up?)"
	}
	if rec != nil && rec.Compose != dsk.Compose {
		differs = append(differs, ComposeFileNames(c.File)...)
	}
	st.Loaded, st.Differs = set, differs
	st.InForce = stale == "" && known && len(differs) == 0
	return nil
}

// ComposeFileNames are the compose file and the override file (when there
// is one), by name.
func ComposeFileNames(file string) []string {
	var out []string
	for _, f := range composeFiles(file) {
		out = append(out, filepath.Base(f))
	}
	return out
}
