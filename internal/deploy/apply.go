package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/outdir"
)

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
	// A compose file as applied, with every service running, needs no
	// compose call: it would only make the daemon inspect and re-check a
	// stack that serves traffic.
	if stale != "" || rec == nil || rec.Compose != dsk.Compose || !allRunning(before) {
		o.Progress("applying the compose file with " + strings.Join(c.Command, " ") + " up -d")
		if _, err := c.run(ctx, "up", "-d"); err != nil {
			return nil, c.failure(ctx, fmt.Errorf("%w: applying the compose file: %w", ErrUnhealthy, err))
		}
	}
	if stale != "" {
		o.Progress("re-creating apache: " + stale)
		if err := c.Recreate(ctx, "apache"); err != nil {
			return nil, c.failure(ctx, err)
		}
		return o.finish(ctx, c, before, dsk, ServiceResult{Service: "apache", Action: Recreated, Reason: stale})
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

// finish waits until the proxy answers, records what Apache loaded, prunes
// what an older layout left (the running Apache mounts OUT/auth itself now:
// a new container, or one whose mount was checked) and says what happened
// to each service.
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
	res := &Result{Set: dsk.Set, Notes: outdir.PruneLegacy(o.Dir)}
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

// allRunning reports whether every container of the stack runs.
func allRunning(cs map[string]*Container) bool {
	for _, c := range cs {
		if !c.Running() {
			return false
		}
	}
	return len(cs) > 0
}
