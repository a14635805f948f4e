package deploy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/execx"
)

// ErrReloadRefused is wrapped when the files on disk would not load in the
// running Apache; it keeps serving what it loaded before.
var ErrReloadRefused = errors.New("apache was not reloaded")

// Markers in Apache's error log (the container's stderr) after SIGUSR1.
const (
	logResumed = "resuming normal operations" // AH00489/AH00292: the new generation serves
	logFailed  = "Configuration Failed"       // AH00016: the parent exits
)

// reload checks the files with `httpd -t` inside the running container and
// the key against the certificate (which httpd -t does not load), then asks
// Apache for a graceful restart: SIGUSR1 to the container's PID 1 (httpd):
// the parent re-reads its config, and old workers finish the requests they
// serve. It returns once the new generation says it serves.
func (o *Options) reload(ctx context.Context, c *Compose, apache *Container) error {
	if out, err := c.Exec(ctx, "apache", "httpd", "-t"); err != nil {
		var e *execx.Error
		text := string(out)
		if errors.As(err, &e) {
			text = e.Output
		}
		return fmt.Errorf("%w: the running apache rejects %s/httpd.conf (httpd -t in the container); it keeps serving the config it loaded:\n%s", ErrReloadRefused, o.authDir(), indent(text))
	}
	if _, err := tls.LoadX509KeyPair(filepath.Join(o.authDir(), "domain.crt"), filepath.Join(o.authDir(), "domain.key")); err != nil {
		return fmt.Errorf("%w: %s and domain.key do not make a key pair; apache keeps serving the ones it loaded: %w", ErrReloadRefused, filepath.Join(o.authDir(), "domain.crt"), err)
	}
	since := time.Now().UTC()
	if _, err := o.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: []string{"kill", "--signal", "USR1", apache.ID}}); err != nil {
		return fmt.Errorf("%w: signalling apache: %w", ErrUnhealthy, err)
	}
	return o.waitGeneration(ctx, c, apache, since)
}

// waitGeneration polls the container's log since the signal until Apache
// says the new generation serves, or that it failed.
func (o *Options) waitGeneration(ctx context.Context, c *Compose, apache *Container, since time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := o.Runner.Output(ctx, logsSince(apache.ID, since))
		var e *execx.Error
		text := string(out)
		if errors.As(err, &e) {
			text = e.Output
		}
		switch {
		case strings.Contains(text, logResumed):
			return nil
		case strings.Contains(text, logFailed):
			return c.failure(ctx, fmt.Errorf("%w: apache failed to reload", ErrUnhealthy))
		}
		select {
		case <-ctx.Done():
			return c.failure(context.WithoutCancel(ctx), fmt.Errorf("%w: apache did not say it reloaded within %v", ErrUnhealthy, o.Timeout))
		case <-tick.C:
		}
	}
}

// logsSince reads a container's log since a time. Apache logs to stderr,
// which `docker logs` replays on its own stderr, and a Runner returns
// stdout: a shell joins the two.
func logsSince(id string, since time.Time) execx.Cmd {
	return execx.Cmd{Name: "sh", Args: []string{"-c", `exec docker logs --since "$0" "$1" 2>&1`, since.Format(time.RFC3339Nano), id}}
}
