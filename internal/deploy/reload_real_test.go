package deploy

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/regsetup/regsetup/internal/tlsdial"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// realStack copies the quickstart golden (a plain auth/ folder: the files
// change in place, as they do through OUT/auth/.current) onto another port.
func realStack(t *testing.T, compose, project string, port int) Options {
	t.Helper()
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	f := strings.Fields(compose)
	testenv.Tool(t, f[0])
	if err := exec.Command(f[0], append(f[1:], "version")...).Run(); err != nil {
		testenv.Missing(t, compose)
	}
	dir := t.TempDir()
	src := golden.Dir("quickstart")
	for _, name := range []string{"docker-compose.yml", "auth/httpd.conf", "auth/httpd.htpasswd", "auth/httpd.groups", "auth/domain.crt", "auth/domain.key", "auth/authcache.lua"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.ReplaceAll(data, []byte("5043"), []byte(fmt.Sprint(port)))
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	writePair(t, filepath.Join(dir, "auth")) // the golden's is made at a fixed, past time
	o := Options{Dir: dir, Domain: testDomain, Port: port, ApacheImage: "httpd:2.4", RegistryImage: "registry:2",
		Compose: compose, Project: project, Timeout: 60 * time.Second}
	t.Cleanup(func() { Down(context.Background(), o, false) })
	return o
}

func containerID(t *testing.T, o Options, svc string) string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-q", "--filter", "label=com.docker.compose.project="+o.Project, "--filter", "label=com.docker.compose.service="+svc).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func startedAt(t *testing.T, o Options) string {
	t.Helper()
	out, err := exec.Command("docker", "inspect", "--format", "{{.State.StartedAt}}", containerID(t, o, "apache")).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// TestReloadRealApache: with the real images and Compose v1 and v2, a
// changed httpd.conf and a new certificate are reloaded gracefully (the
// container keeps running: same StartedAt) and the new certificate is
// served; an httpd.conf the running Apache rejects is refused, and Apache
// keeps serving.
func TestReloadRealApache(t *testing.T) {
	for i, c := range []struct{ name, cmd string }{{"v1", "docker-compose"}, {"v2", "docker compose"}} {
		t.Run(c.name, func(t *testing.T) {
			o := realStack(t, c.cmd, "deploy-reload-"+c.name, 16170+i)
			ctx := context.Background()
			step := func(want string) {
				t.Helper()
				res, err := Up(ctx, o)
				if err != nil {
					t.Fatalf("up: %v", err)
				}
				if got := actions(res); got != want {
					t.Fatalf("up did %s, want %s", got, want)
				}
			}
			step("apache=started registry=started")
			started := startedAt(t, o)
			step("apache=unchanged registry=unchanged")

			conf := filepath.Join(o.Dir, "auth", "httpd.conf")
			data, _ := os.ReadFile(conf)
			os.WriteFile(conf, append(data, []byte("\n# a rule changed\n")...), 0o644)
			step("apache=reloaded registry=unchanged")

			writePair(t, filepath.Join(o.Dir, "auth"))
			step("apache=reloaded registry=unchanged")
			pemData, _ := os.ReadFile(filepath.Join(o.Dir, "auth", "domain.crt"))
			block, _ := pem.Decode(pemData)
			conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", o.Port), &tls.Config{ServerName: testDomain, InsecureSkipVerify: true})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(conn.ConnectionState().PeerCertificates[0].Raw, block.Bytes) {
				t.Errorf("apache does not serve the new certificate after the reload")
			}
			conn.Close()

			os.WriteFile(conf, append(data, []byte("\nNoSuchDirective on\n")...), 0o644)
			if _, err := Up(ctx, o); !errors.Is(err, ErrReloadRefused) || !strings.Contains(err.Error(), "NoSuchDirective") {
				t.Errorf("up with a broken httpd.conf: %v, want %v naming the directive", err, ErrReloadRefused)
			}
			if got := startedAt(t, o); got != started {
				t.Errorf("apache was restarted (StartedAt %s, was %s)", got, started)
			}
			o.defaults()
			probe := &Probe{URL: fmt.Sprintf("https://%s:%d/v2/", testDomain, o.Port), Dial: o.Dial, Roots: tlsdial.SystemRootsWith(filepath.Join(o.Dir, "auth", "domain.crt"))}
			if err := probe.Check(ctx); err != nil {
				t.Errorf("apache stopped serving after a refused reload: %v", err)
			}

			os.WriteFile(conf, data, 0o644)
			if out, err := exec.Command("docker", "stop", containerID(t, o, "apache")).CombinedOutput(); err != nil {
				t.Fatalf("docker stop: %v: %s", err, out)
			}
			step("apache=started registry=unchanged")
		})
	}
}
