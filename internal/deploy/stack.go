package deploy

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/execx"
	"github.com/regsetup/regsetup/internal/outdir"
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
	d := Docker{Runner: o.Runner}
	o.Progress("checking docker")
	if err := d.Ping(ctx); err != nil {
		return nil, err
	}
	c, err := o.compose(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.NeedImages(ctx, o.ApacheImage, o.RegistryImage); err != nil {
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
	var res *Result
	if before["apache"].Running() {
		res, err = o.apply(ctx, c, d, before, dsk)
	} else {
		res, err = o.start(ctx, c, d, before, dsk)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// start starts a stack whose Apache does not run. A stopped Apache
// container is removed first, so the new one mounts the folder on disk now.
func (o *Options) start(ctx context.Context, c *Compose, d Docker, before map[string]*Container, dsk disk) (*Result, error) {
	if err := o.configTest(ctx, d); err != nil {
		return nil, err
	}
	if err := PortFree(o.Port); err != nil {
		return nil, err
	}
	if before["apache"] != nil {
		// A stopped container would start with the mount it was made with.
		o.Progress("removing the stopped apache container, so the new one mounts " + o.authDir())
		if _, err := c.run(ctx, "rm", "-f", "-s", "apache"); err != nil {
			return nil, fmt.Errorf("%w: removing the stopped apache container: %w", ErrUnhealthy, err)
		}
	}
	o.Progress("starting the services with " + strings.Join(c.Command, " "))
	if _, err := c.run(ctx, "up", "-d"); err != nil {
		return nil, c.failure(ctx, fmt.Errorf("%w: starting the services: %w", ErrUnhealthy, err))
	}
	return o.finish(ctx, c, before, dsk, ServiceResult{Service: "apache", Action: Started, Reason: "it was not running"})
}

// apply brings a running stack to the disk.
func (o *Options) apply(ctx context.Context, c *Compose, d Docker, before map[string]*Container, dsk disk) (*Result, error) {
	rec, err := readLive(o.Dir)
	if err != nil {
		return nil, err
	}
	stale, err := c.mountStale(ctx, before["apache"], o.authDir())
	if err != nil {
		return nil, err
	}
	if stale != "" || rec == nil || rec.Compose != dsk.Compose {
		// Apache may be re-created: a new container reads the files at start.
		if err := o.configTest(ctx, d); err != nil {
			return nil, err
		}
	}
	o.Progress("applying the compose file with " + strings.Join(c.Command, " ") + " up -d")
	if _, err := c.run(ctx, "up", "-d"); err != nil {
		return nil, c.failure(ctx, fmt.Errorf("%w: applying the compose file: %w", ErrUnhealthy, err))
	}
	if stale != "" {
		o.Progress("re-creating apache: " + stale)
		if err := c.Recreate(ctx, "apache"); err != nil {
			return nil, c.failure(ctx, err)
		}
		res, err := o.finish(ctx, c, before, dsk, ServiceResult{Service: "apache", Action: Recreated, Reason: stale})
		if err == nil {
			res.Notes = append(res.Notes, outdir.PruneLegacy(o.Dir)...)
		}
		return res, err
	}
	now, err := c.Containers(ctx)
	if err != nil {
		return nil, err
	}
	apache := now["apache"]
	if apache == nil || apache.ID != before["apache"].ID {
		return o.finish(ctx, c, before, dsk, ServiceResult{Service: "apache", Action: Recreated, Reason: "its compose settings changed"})
	}
	differs, _, known := inForce(rec, apache, dsk)
	if known && len(differs) == 0 {
		return o.finish(ctx, c, before, dsk, ServiceResult{Service: "apache", Action: Unchanged})
	}
	reason := "no record of what the running apache loaded"
	if known {
		reason = strings.Join(differs, ", ") + " changed"
	}
	o.Progress("reloading apache (graceful): " + reason)
	if err := o.reload(ctx, c, apache); err != nil {
		return nil, err
	}
	return o.finish(ctx, c, before, dsk, ServiceResult{Service: "apache", Action: Reloaded, Reason: reason})
}

func (o *Options) configTest(ctx context.Context, d Docker) error {
	if o.SkipConfigTest {
		return nil
	}
	o.Progress("checking auth/httpd.conf with httpd -t in " + o.ApacheImage)
	return d.ConfigTest(ctx, o.ApacheImage, o.authDir())
}

// finish waits until the proxy answers, records what Apache loaded and
// says what happened to each service.
func (o *Options) finish(ctx context.Context, c *Compose, before map[string]*Container, dsk disk, apache ServiceResult) (*Result, error) {
	if err := o.wait(ctx, c); err != nil {
		return nil, err
	}
	after, err := c.Containers(ctx)
	if err != nil {
		return nil, err
	}
	if after["apache"] == nil {
		return nil, c.failure(ctx, fmt.Errorf("%w: no apache container after up", ErrUnhealthy))
	}
	if err := writeLive(o.Dir, after["apache"], dsk, time.Now()); err != nil {
		return nil, err
	}
	res := &Result{Set: dsk.Set}
	for _, svc := range sortedServices(before, after) {
		if svc == "apache" {
			res.Services = append(res.Services, apache)
			continue
		}
		res.Services = append(res.Services, compared(svc, before[svc], after[svc]))
	}
	return res, nil
}

// compared says what compose did to a service other than apache.
func compared(svc string, before, after *Container) ServiceResult {
	switch {
	case !before.Running():
		return ServiceResult{Service: svc, Action: Started}
	case after == nil || after.ID != before.ID:
		return ServiceResult{Service: svc, Action: Recreated, Reason: "its compose settings changed"}
	}
	return ServiceResult{Service: svc, Action: Unchanged}
}

func sortedServices(maps ...map[string]*Container) []string {
	seen := map[string]bool{"apache": true}
	for _, m := range maps {
		for svc := range m {
			seen[svc] = true
		}
	}
	out := make([]string, 0, len(seen))
	for svc := range seen {
		out = append(out, svc)
	}
	sort.Strings(out)
	return out
}

func (o *Options) wait(ctx context.Context, c *Compose) error {
	probe := &Probe{URL: fmt.Sprintf("https://%s:%d/v2/", o.Domain, o.Port), Dial: o.Dial, Roots: roots(filepath.Join(o.authDir(), "domain.crt"))}
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

// roots trusts the system roots plus the stack's own certificate.
func roots(certFile string) *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if pem, err := os.ReadFile(certFile); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return pool
}

func indent(s string) string {
	if s == "" {
		return "  (empty)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}
