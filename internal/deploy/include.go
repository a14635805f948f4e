package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/execx"
)

// Include describes an existing Apache (apache.mode: include): regsetup
// runs only the registry, on a unix socket, and leaves the user's Apache
// alone unless Reload is set.
type Include struct {
	Socket string // the registry's socket, relative to Options.Dir (model.Socket)
	GID    int    // the Apache group: it owns the socket's folder
	// Reload is the layout's graceful reload command, run only when asked
	// (`up --reload-apache`); nil leaves the user's Apache untouched.
	Reload []string
}

// upInclude starts (or updates) the registry alone and waits until its
// socket answers; then, only if asked, reloads the user's Apache.
func (o *Options) upInclude(ctx context.Context) (*Result, error) {
	_, c, err := o.preflight(ctx, o.RegistryImage)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(o.Dir, o.Include.Socket)
	if err := socketDir(filepath.Dir(sock), o.Include.GID); err != nil {
		return nil, err
	}
	before, err := c.Containers(ctx)
	if err != nil {
		return nil, err
	}
	o.Progress("starting the registry with " + strings.Join(c.Command, " ") + " (your Apache is not touched)")
	// --remove-orphans: a folder that ran apache.mode container before
	// still has its Apache container, publishing the old port.
	if _, err := c.run(ctx, "up", "-d", "--remove-orphans"); err != nil {
		return nil, c.failure(ctx, fmt.Errorf("%w: starting the registry: %w", ErrUnhealthy, err))
	}
	if err := waitSocket(ctx, sock, o.Timeout); err != nil {
		return nil, c.failure(ctx, err)
	}
	after, err := c.Containers(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Services: []ServiceResult{compared("registry", before["registry"], after["registry"])}}
	if o.Include.Reload == nil {
		return res, nil
	}
	o.Progress("reloading your Apache: " + strings.Join(o.Include.Reload, " "))
	if out, err := o.Runner.Output(ctx, execx.Cmd{Name: o.Include.Reload[0], Args: o.Include.Reload[1:]}); err != nil {
		return res, fmt.Errorf("%w: reloading your Apache with %s: %w: %s", ErrUnhealthy, strings.Join(o.Include.Reload, " "), err, strings.TrimSpace(string(out)))
	}
	res.Services = append([]ServiceResult{{Service: "apache", Action: Reloaded, Reason: "--reload-apache"}}, res.Services...)
	return res, nil
}

// socketDir makes the socket's folder root's and the Apache group's only:
// mode 2750, so the socket the registry creates in it (umask 007) belongs
// to that group too, and no other user can reach it.
func socketDir(dir string, gid int) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("%w: making the registry's socket folder: %w", ErrEnvironment, err)
	}
	if err := os.Chown(dir, -1, gid); err != nil {
		return fmt.Errorf("%w: giving the registry's socket folder %s to group %d: %w", ErrEnvironment, dir, gid, err)
	}
	if err := os.Chmod(dir, 0o750|os.ModeSetgid); err != nil {
		return fmt.Errorf("%w: setting the mode of %s: %w", ErrEnvironment, dir, err)
	}
	return nil
}

// waitSocket waits until GET /v2/ over the unix socket answers 200.
func waitSocket(ctx context.Context, sock string, timeout time.Duration) error {
	client := socketClient(sock)
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		last = probeSocket(ctx, client)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%w: the registry's socket %s did not answer within %v: %w", ErrUnhealthy, sock, timeout, last)
}

func probeSocket(ctx context.Context, client *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://registry/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return errors.New("GET /v2/ answered " + resp.Status)
	}
	return nil
}

// socketClient speaks HTTP to the registry's unix socket.
func socketClient(sock string) *http.Client {
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
}
