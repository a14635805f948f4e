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
	Timeout        time.Duration // readiness timeout; default 60s
	Restart        bool          // auth/ changed: restart Apache if it already runs
	SkipConfigTest bool          // do not run httpd -t first (the readiness gate still applies)
	Progress       func(string)  // optional progress lines
	Runner         execx.Runner  // default execx.OS
}

func (o *Options) defaults() {
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
}

func (o *Options) compose(ctx context.Context) (*Compose, error) {
	cmd, err := DetectCompose(ctx, o.Runner, o.Compose)
	if err != nil {
		return nil, err
	}
	return &Compose{Runner: o.Runner, Command: cmd, File: filepath.Join(o.Dir, "docker-compose.yml"), Project: o.Project}, nil
}

// Up checks the machine and the config, starts the stack and returns once
// the proxy answers. On failure the error names the container and carries
// the tail of its log and the command to see more.
func Up(ctx context.Context, o Options) error {
	o.defaults()
	d := Docker{Runner: o.Runner}
	o.Progress("checking docker")
	if err := d.Ping(ctx); err != nil {
		return err
	}
	c, err := o.compose(ctx)
	if err != nil {
		return err
	}
	if err := d.NeedImages(ctx, o.ApacheImage, o.RegistryImage); err != nil {
		return err
	}
	if !o.SkipConfigTest {
		o.Progress("checking auth/httpd.conf with httpd -t in " + o.ApacheImage)
		if err := d.ConfigTest(ctx, o.ApacheImage, filepath.Join(o.Dir, "auth")); err != nil {
			return err
		}
	}
	running := c.States(ctx)
	if running["apache"] != "running" {
		if err := PortFree(o.Port); err != nil {
			return err
		}
	}
	o.Progress("starting the services with " + strings.Join(c.Command, " "))
	if err := c.Up(ctx); err != nil {
		return c.failure(ctx, err)
	}
	if o.Restart && running["apache"] == "running" {
		o.Progress("restarting apache: its config changed")
		if err := c.Restart(ctx, "apache"); err != nil {
			return err
		}
	}
	return o.wait(ctx, c)
}

func (o *Options) wait(ctx context.Context, c *Compose) error {
	probe := &Probe{URL: fmt.Sprintf("https://%s:%d/v2/", o.Domain, o.Port), Dial: o.Dial, Roots: tlsdial.SystemRootsWith(filepath.Join(o.Dir, "auth", "domain.crt"))}
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

// States maps each service of the project to its container state.
func (c *Compose) States(ctx context.Context) map[string]string {
	out, err := c.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: []string{"ps", "-a",
		"--filter", "label=com.docker.compose.project=" + c.Project,
		"--format", `{{.Label "com.docker.compose.service"}} {{.State}}`}})
	states := map[string]string{}
	if err != nil {
		return states
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if svc, state, ok := strings.Cut(line, " "); ok {
			states[svc] = state
		}
	}
	return states
}

// Down stops the stack. The registry's data stays unless deleteData.
func Down(ctx context.Context, o Options, deleteData bool) error {
	o.defaults()
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
