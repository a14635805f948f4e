package deploy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/regsetup/regsetup/internal/execx"
)

// Docker asks the docker CLI about the machine.
type Docker struct{ Runner execx.Runner }

// Ping checks that docker is installed and its daemon answers.
func (d Docker) Ping(ctx context.Context) error {
	_, err := d.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: []string{"info", "--format", "{{.ServerVersion}}"}})
	switch {
	case err == nil:
		return nil
	case isNotFound(err):
		return fmt.Errorf("%w: docker is not installed (apt-get install docker.io)", ErrEnvironment)
	}
	return fmt.Errorf("%w: the docker daemon does not answer (start it: dockerd, or systemctl start docker): %w", ErrEnvironment, err)
}

// NeedImages checks that every image is present locally: no registry is
// reachable to pull from.
func (d Docker) NeedImages(ctx context.Context, images ...string) error {
	var missing []string
	for _, img := range images {
		if _, err := d.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: []string{"image", "inspect", "--format", "{{.Id}}", img}}); err != nil {
			missing = append(missing, img)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: image %s is not on this machine; build it without a registry with images/build.sh (see images/README.md)", ErrEnvironment, strings.Join(missing, " and "))
	}
	return nil
}

// ConfigTest runs `httpd -t` on the rendered auth/ folder inside the Apache
// image, so a config that cannot start is reported before anything runs.
func (d Docker) ConfigTest(ctx context.Context, image, authDir string) error {
	_, err := d.Runner.Output(ctx, execx.Cmd{Name: "docker", Args: []string{
		"run", "--rm", "--network", "none", "-v", authDir + ":/usr/local/apache2/conf:ro", image, "httpd", "-t"}})
	if err != nil {
		var e *execx.Error
		out := err.Error()
		if errors.As(err, &e) {
			out = e.Output
		}
		return fmt.Errorf("%w: Apache rejects %s/httpd.conf (httpd -t in %s):\n%s", ErrUnhealthy, authDir, image, out)
	}
	return nil
}

// PortFree checks that nothing listens on the port Apache will publish.
func PortFree(port int) error {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return fmt.Errorf("%w: port %d is taken by another program (choose another `port:` in the spec, or stop it): %w", ErrEnvironment, port, err)
	}
	return l.Close()
}

func lastLine(err error) string {
	var e *execx.Error
	if errors.As(err, &e) && e.Output != "" {
		lines := strings.Split(e.Output, "\n")
		return lines[len(lines)-1]
	}
	return err.Error()
}
