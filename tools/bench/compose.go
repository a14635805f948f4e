package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/regsetup/regsetup/internal/app"
)

// composeRun is the secure profile as users run it: `regsetup up` starts
// Apache and the registry in containers on the Docker network, and Docker
// publishes Apache's port on the host (through its own proxy for
// loopback), so the numbers include what the containers add.
type composeRun struct {
	o app.StackOptions
	t Target
}

// startCompose renders the secure profile in dir and runs it with
// app.Up under a project name of its own. Clients reach it through the
// published port on loopback (Docker's userland proxy relays it), or with
// bridge through the Apache container's own address on Docker's bridge,
// the path of clients on other machines (the kernel forwards their
// packets to it, without the proxy).
func startCompose(e *env, name, dir, key, extra string, bridge, socket bool) (*composeRun, error) {
	port, err := renderVariant(e, dir, "secure", key, extra)
	if err != nil {
		return nil, err
	}
	if socket {
		if err := socketOverride(dir); err != nil {
			return nil, err
		}
	}
	id := make([]byte, 4)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("naming the compose project: %w", err)
	}
	r := &composeRun{
		o: app.StackOptions{
			Paths:   app.Paths{Spec: filepath.Join(dir, "regsetup.yaml")},
			Project: "regsetup-bench-" + hex.EncodeToString(id),
			Timeout: readyTimeout,
		},
		t: Target{
			Name: name, Host: ServerName + ":" + strconv.Itoa(port), Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			TLS: true, User: PushUser, Password: e.creds.PushPassword,
		},
	}
	if _, err := app.Up(context.Background(), r.o); err != nil {
		r.stop()
		return nil, fmt.Errorf("%s: regsetup up: %w", name, err)
	}
	if bridge {
		ip, err := r.containerIP("apache")
		if err != nil {
			r.stop()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		r.t.Addr = net.JoinHostPort(ip, strconv.Itoa(port))
	}
	if err := answers(e, r.t); err != nil {
		r.stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// containerIP is the address of service's container on its network.
func (r *composeRun) containerIP(service string) (string, error) {
	id := r.container(service)
	if id == "" {
		return "", fmt.Errorf("no %s container in project %s", service, r.o.Project)
	}
	out, err := exec.Command("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", id).Output()
	if err != nil {
		return "", fmt.Errorf("docker inspect %s: %w", id, err)
	}
	ip, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if net.ParseIP(ip) == nil {
		return "", fmt.Errorf("%s container %s has no network address (%q)", service, id, out)
	}
	return ip, nil
}

func (r *composeRun) target() Target { return r.t }

// stop removes the containers; the data folder goes with the run's
// temporary directory.
func (r *composeRun) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	_ = app.Down(ctx, r.o, false)
}

// container is the id of the project's container of service.
func (r *composeRun) container(service string) string {
	out, err := exec.Command("docker", "ps", "-q",
		"--filter", "label=com.docker.compose.project="+r.o.Project,
		"--filter", "label=com.docker.compose.service="+service).Output()
	if err != nil {
		return ""
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return id
}

// pids are the host pids of Apache's and the registry's first process in
// their containers (httpd's parent, the registry), front first.
func (r *composeRun) pids() []int {
	var out []int
	for _, svc := range []string{"apache", "registry"} {
		id := r.container(svc)
		if id == "" {
			continue
		}
		b, err := exec.Command("docker", "inspect", "-f", "{{.State.Pid}}", id).Output()
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
			out = append(out, pid)
		}
	}
	return out
}

func (r *composeRun) logTail(n int) string {
	id := r.container("apache")
	if id == "" {
		return ""
	}
	out, _ := exec.Command("docker", "logs", "--tail", strconv.Itoa(n), id).CombinedOutput()
	return string(out)
}

// socketOverride is an experiment (KindSocket): the registry listens on a
// unix socket in ./run, shared with Apache, instead of TCP on the Docker
// network, so no byte between them crosses the bridge. It adds, next to
// the rendered files (which stay as regsetup wrote them), a
// docker-compose.override.yml and run/httpd.conf: the rendered config with
// ProxyPass through the socket, which Apache is started with. (The socket
// is made world-writable in a scratch folder: good enough to measure, not
// the access control a product render would need; apache.mode include
// shows how: a folder of Apache's group, umask 007.)
func socketOverride(dir string) error {
	conf, err := os.ReadFile(filepath.Join(dir, "auth", "httpd.conf"))
	if err != nil {
		return fmt.Errorf("reading the rendered httpd.conf: %w", err)
	}
	const tcp = "ProxyPass        /v2 http://registry:5000/v2\n"
	if !bytes.Contains(conf, []byte(tcp)) {
		return fmt.Errorf("the rendered httpd.conf has no %q line to replace", strings.TrimSpace(tcp))
	}
	conf = bytes.Replace(conf, []byte(tcp), []byte(`ProxyPass        /v2 "unix:/run/regsetup/registry.sock|http://registry:5000/v2"`+"\n"), 1)
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(run, 0o777); err != nil {
		return fmt.Errorf("creating %s: %w", run, err)
	}
	if err := os.Chmod(run, 0o777); err != nil { // the registry (root) makes the socket, Apache's workers (daemon) open it
		return fmt.Errorf("opening %s: %w", run, err)
	}
	const override = `services:
  registry:
    environment:
      REGISTRY_HTTP_NET: unix
      REGISTRY_HTTP_ADDR: /run/regsetup/registry.sock
    volumes: ["./run:/run/regsetup"]
    command: ["sh", "-c", "umask 000 && exec registry serve /etc/docker/registry/config.yml"]
    healthcheck: {disable: true}
  apache:
    volumes: ["./run:/run/regsetup"]
    command: ["httpd-foreground", "-f", "/run/regsetup/httpd.conf"]
`
	return writeFiles(dir, map[string][]byte{"run/httpd.conf": conf, "docker-compose.override.yml": []byte(override)})
}
