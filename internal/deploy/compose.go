// Package deploy runs the rendered stack with Docker Compose (v2 plugin or
// v1): it checks the environment and the Apache config first, starts the
// stack or brings a running one to the files on disk (a graceful reload,
// never a restart), waits until the registry answers through the proxy,
// and reports what runs (StatusOf). Every command goes through
// execx.Runner; nothing here prints.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/regsetup/regsetup/internal/execx"
)

// ErrEnvironment is wrapped when the machine cannot run the stack: docker
// or Compose missing, the daemon down, an image missing, the port taken.
var ErrEnvironment = errors.New("cannot run the stack here")

// ErrUnhealthy is wrapped when the stack's own config or containers fail.
var ErrUnhealthy = errors.New("the stack did not start")

// Compose runs one project's compose commands.
type Compose struct {
	Runner  execx.Runner
	Command []string // "docker compose" or "docker-compose", split
	File    string   // the compose file; OverrideFile next to it is added when present
	Project string   // the project name
}

// DetectCompose picks the compose command: override when given (split on
// spaces), else `docker compose` (v2) when it answers, else docker-compose.
func DetectCompose(ctx context.Context, r execx.Runner, override string) ([]string, error) {
	if f := strings.Fields(override); len(f) > 0 {
		if _, err := r.Output(ctx, execx.Cmd{Name: f[0], Args: append(f[1:], "version")}); err != nil {
			return nil, fmt.Errorf("%w: %s does not run: %w", ErrEnvironment, override, err)
		}
		return f, nil
	}
	candidates := [][]string{{"docker", "compose"}, {"docker-compose"}}
	for _, c := range candidates {
		if _, err := r.Output(ctx, execx.Cmd{Name: c[0], Args: append(c[1:], "version")}); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: neither `docker compose` nor `docker-compose` runs; install one (scripts/install-compose-v2.sh, or apt-get install docker-compose)", ErrEnvironment)
}

// ProjectName derives a compose project name from the output folder as
// Compose itself does (compose-go's NormalizeProjectName of the folder's
// name), so `docker compose` run by hand there finds the same project.
func ProjectName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if name := loader.NormalizeProjectName(filepath.Base(abs)); name != "" {
		return name
	}
	return "regsetup"
}

// OverrideFile is the user's own compose file next to the generated one;
// regsetup never writes it and passes it to every compose call.
const OverrideFile = "docker-compose.override.yml"

// composeFiles is the compose file, plus the override file next to it when
// there is one (Compose only reads it by itself when no -f is given).
func composeFiles(file string) []string {
	files := []string{file}
	if override := filepath.Join(filepath.Dir(file), OverrideFile); fileExists(override) {
		files = append(files, override)
	}
	return files
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// args is the compose command's arguments before the subcommand.
func (c *Compose) args(sub ...string) []string {
	a := append([]string{}, c.Command[1:]...)
	for _, f := range composeFiles(c.File) {
		a = append(a, "-f", f)
	}
	return append(append(a, "-p", c.Project), sub...)
}

// run runs one compose subcommand.
func (c *Compose) run(ctx context.Context, args ...string) ([]byte, error) {
	return c.Runner.Output(ctx, execx.Cmd{Name: c.Command[0], Args: c.args(args...), Dir: filepath.Dir(c.File)})
}

// Hint is the command a person runs to see more.
func (c *Compose) Hint(args ...string) string {
	return execx.Cmd{Name: c.Command[0], Args: c.args(args...)}.String()
}

// Up starts the services in the background.
func (c *Compose) Up(ctx context.Context) error {
	if _, err := c.run(ctx, "up", "-d"); err != nil {
		return fmt.Errorf("%w: starting the services: %w", ErrUnhealthy, err)
	}
	return nil
}

// Recreate re-creates one service's container even when its config did
// not change (its bind mount must be made again).
func (c *Compose) Recreate(ctx context.Context, service string) error {
	if _, err := c.run(ctx, "up", "-d", "--no-deps", "--force-recreate", service); err != nil {
		return fmt.Errorf("%w: re-creating %s: %w", ErrUnhealthy, service, err)
	}
	return nil
}

// Exec runs a command in a service's running container (no TTY).
func (c *Compose) Exec(ctx context.Context, service string, cmd ...string) ([]byte, error) {
	return c.run(ctx, append([]string{"exec", "-T", service}, cmd...)...)
}

// Down stops and removes the containers and the network. Bind-mounted
// folders (auth/, data/) are not touched.
func (c *Compose) Down(ctx context.Context) error {
	if _, err := c.run(ctx, "down", "--remove-orphans"); err != nil {
		return fmt.Errorf("stopping the services: %w", err)
	}
	return nil
}

// Logs returns the last lines of one service's log.
func (c *Compose) Logs(ctx context.Context, service string, lines int) string {
	out, err := c.run(ctx, "logs", "--no-color", "--tail", fmt.Sprint(lines), service)
	return outputOf(out, err)
}

// outputOf is a command's output, or on failure what it printed (or why
// it did not run).
func outputOf(out []byte, err error) string {
	if err != nil {
		var e *execx.Error
		if errors.As(err, &e) {
			return e.Output
		}
		return err.Error()
	}
	return strings.TrimSpace(string(out))
}

// isNotFound reports whether err is a program that is not installed.
func isNotFound(err error) bool { return errors.Is(err, exec.ErrNotFound) }
