package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/execx"
	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/internal/tlsdial"
)

// Options describe one rendered stack.
type Options struct {
	Dir            string // the output folder: docker-compose.yml, auth/, data/
	Domain         string
	Port           int
	ApacheImage    string
	RegistryImage  string
	Compose        string        // compose command override, e.g. "docker-compose"
	Project        string        // compose project name; default from Dir
	Dial           string        // address for the readiness probe; default 127.0.0.1:Port
	Timeout        time.Duration // readiness (and reload) timeout; default 60s
	SkipConfigTest bool          // do not run httpd -t before a start (the readiness gate still applies)
	Progress       func(string)  // optional progress lines
	Runner         execx.Runner  // default execx.OS
	// Include, for an existing Apache (apache.mode: include): only the
	// registry runs here (include.go).
	Include *Include
}

// defaults fills the defaults and makes Dir absolute: Compose would read a
// relative bind-mount source as a volume name.
func (o *Options) defaults() error {
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return fmt.Errorf("finding the output folder %s: %w", o.Dir, err)
	}
	o.Dir = abs
	if o.Runner == nil {
		o.Runner = execx.OS{}
	}
	if o.Project == "" {
		o.Project = ProjectName(o.Dir)
	}
	if o.Dial == "" {
		o.Dial = "127.0.0.1:" + strconv.Itoa(o.Port)
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return nil
}

func (o *Options) compose(ctx context.Context) (*Compose, error) {
	cmd, err := DetectCompose(ctx, o.Runner, o.Compose)
	if err != nil {
		return nil, err
	}
	return &Compose{Runner: o.Runner, Command: cmd, File: filepath.Join(o.Dir, "docker-compose.yml"), Project: o.Project}, nil
}

func (o *Options) authDir() string { return filepath.Join(o.Dir, outdir.AuthDir) }

// Up brings the running stack to the files on disk and returns once the
// proxy answers. A stack that does not run is checked (docker, images,
// httpd -t, the port) and started. A running one gets `compose up -d`
// (which re-creates only what the compose file changed); then, when
// Apache's config, certificate, key or cache script differ from what it
// loaded, `httpd -t` in the running container and a graceful reload; an
// Apache whose mount no longer shows OUT/auth is re-created once. It never
// restarts a container. On failure the error names the container and
// carries the tail of its log and the command to see more.
func Up(ctx context.Context, o Options) (*Result, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if o.Include != nil {
		return o.upInclude(ctx)
	}
	d, c, err := o.preflight(ctx, o.ApacheImage, o.RegistryImage)
	if err != nil {
		return nil, err
	}
	before, err := c.Containers(ctx)
	if err != nil {
		return nil, err
	}
	dsk, err := readDisk(o.Dir, c.File)
	if err != nil {
		return nil, err
	}
	if before["apache"].Running() {
		return o.apply(ctx, c, d, before, dsk)
	}
	return o.start(ctx, c, d, before, dsk)
}

// preflight checks that docker answers, finds the compose command and
// checks that the images are on this machine (no registry to pull from).
func (o *Options) preflight(ctx context.Context, images ...string) (Docker, *Compose, error) {
	d := Docker{Runner: o.Runner}
	o.Progress("checking docker")
	if err := d.Ping(ctx); err != nil {
		return d, nil, err
	}
	c, err := o.compose(ctx)
	if err != nil {
		return d, nil, err
	}
	return d, c, d.NeedImages(ctx, images...)
}

func (o *Options) wait(ctx context.Context, c *Compose) error {
	probe := &Probe{URL: fmt.Sprintf("https://%s:%d/v2/", o.Domain, o.Port), Dial: o.Dial, Roots: tlsdial.SystemRootsWith(filepath.Join(o.authDir(), "domain.crt"))}
	o.Progress(fmt.Sprintf("waiting for %s (via %s, up to %v)", probe.URL, o.Dial, o.Timeout))
	start := time.Now()
	alive := func(ctx context.Context) error {
		for svc, state := range c.States(ctx) {
			if state != "running" {
				return fmt.Errorf("%w: container %s is %s", ErrUnhealthy, svc, state)
			}
		}
		return nil
	}
	if err := probe.Wait(ctx, o.Timeout, alive); err != nil {
		return c.failure(ctx, err)
	}
	o.Progress(fmt.Sprintf("ready in %.2fs", time.Since(start).Seconds()))
	return nil
}

// failure adds the logs of the services that are not running (or of
// apache) and the command to see more.
func (c *Compose) failure(ctx context.Context, err error) error {
	svc := "apache"
	for name, state := range c.States(ctx) {
		if state != "running" {
			svc = name
		}
	}
	return fmt.Errorf("%w\nlast lines of %s's log:\n%s\nsee more: %s", err, svc, indent(c.Logs(ctx, svc, 20)), c.Hint("logs", svc))
}

// Down stops the stack. The registry's data stays unless deleteData.
func Down(ctx context.Context, o Options, deleteData bool) error {
	if err := o.defaults(); err != nil {
		return err
	}
	c, err := o.compose(ctx)
	if err != nil {
		return err
	}
	o.Progress("stopping the services")
	if err := c.Down(ctx); err != nil {
		return err
	}
	if deleteData {
		o.Progress("deleting data/ (--delete-data)")
		return removeContents(filepath.Join(o.Dir, "data"))
	}
	return nil
}

func removeContents(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("deleting the registry data: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("deleting the registry data: %w", err)
		}
	}
	return nil
}

func indent(s string) string {
	if s == "" {
		return "  (empty)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
