package e2e

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
)

// debianApache is a private instance of Debian's own apache2 package: a
// copy of /etc/apache2 (APACHE_CONFDIR), its own run, lock, log and state
// folders, listening on one loopback port. The system's apache2 service
// is never used.
type debianApache struct {
	root, conf string
	port       int
	env        []string
}

// Each Debian instance also listens on port+plainOffset, without TLS, on
// port+otherCertOffset, with another site's certificate, and on
// port+otherNameOffset, where the snippet is in the vhost of another
// ServerName: three places the snippet is included by mistake.
const (
	plainOffset     = 100
	otherCertOffset = 200
	otherNameOffset = 300
)

// newDebianApache copies /etc/apache2 into root and points it at port.
func newDebianApache(t *testing.T, root string, port int) *debianApache {
	t.Helper()
	testenv.Tool(t, "apache2", "/usr/sbin/apache2")
	testenv.Tool(t, "apache2ctl", "/usr/sbin/apache2ctl")
	testenv.Tool(t, "a2enmod", "/usr/sbin/a2enmod")
	testenv.Tool(t, "curl")     // connectAs
	testenv.Tool(t, "htpasswd") // the portal's own password file
	a := &debianApache{root: root, conf: filepath.Join(root, "apache2"), port: port}
	if out, err := exec.Command("cp", "-a", "/etc/apache2", a.conf).CombinedOutput(); err != nil {
		t.Fatalf("copying /etc/apache2: %v: %s", err, out)
	}
	for _, d := range []string{"run", "lock", "log", "state"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(a.conf, "envvars"), fmt.Appendf(nil, `export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=%[1]s/run/apache2.pid
export APACHE_RUN_DIR=%[1]s/run
export APACHE_LOCK_DIR=%[1]s/lock
export APACHE_LOG_DIR=%[1]s/log
export LANG=C
`, root))
	// notice: graceful restarts are logged (AH00493), so a test sees whether one happened
	main, err := os.ReadFile(filepath.Join(a.conf, "apache2.conf"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(a.conf, "apache2.conf"), append(main, "LogLevel notice\n"...))
	writeFile(t, filepath.Join(a.conf, "ports.conf"), fmt.Appendf(nil, "Listen 127.0.0.1:%d\nListen 127.0.0.1:%d\nListen 127.0.0.1:%d\nListen 127.0.0.1:%d\n", port, port+plainOffset, port+otherCertOffset, port+otherNameOffset))
	sites, _ := filepath.Glob(filepath.Join(a.conf, "sites-enabled", "*"))
	for _, s := range sites {
		if err := os.Remove(s); err != nil {
			t.Fatal(err)
		}
	}
	a.env = append(os.Environ(), "APACHE_CONFDIR="+a.conf, "APACHE_STATE_DIRECTORY="+filepath.Join(root, "state"))
	return a
}

// run runs a Debian tool (a2enmod, apache2ctl, ...) on this instance.
func (a *debianApache) run(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = a.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// enable does what the rendered regsetup-registry.conf says: link it into
// conf-available, a2enmod its modules, a2enconf it.
func (a *debianApache) enable(t *testing.T, out string) {
	t.Helper()
	if err := os.Symlink(filepath.Join(out, filepath.FromSlash(generator.IncludeServer)), filepath.Join(a.conf, "conf-available", "regsetup-registry.conf")); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{append([]string{"a2enmod", "-q"}, generator.IncludeModules...), {"a2enconf", "-q", "regsetup-registry"}} {
		if out, err := a.run(c[0], c[1:]...); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(c, " "), err, out)
		}
	}
}

// site makes vhost the only enabled site.
func (a *debianApache) site(t *testing.T, vhost string) {
	t.Helper()
	writeFile(t, filepath.Join(a.conf, "sites-enabled", "portal.conf"), []byte(vhost))
}

// start runs apache2 in the foreground as this test's own process and
// stops it (by its process group) when the test ends.
func (a *debianApache) start(t *testing.T) *stacktest.Process {
	t.Helper()
	cmd := exec.Command("sh", "-c", `. "$APACHE_CONFDIR/envvars" && exec /usr/sbin/apache2 -d "$APACHE_CONFDIR" -DFOREGROUND`)
	cmd.Env = a.env
	p, err := stacktest.StartProcess("apache2", filepath.Join(a.root, "log", "foreground.log"), cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(10 * time.Second) })
	if err := p.WaitReady(15*time.Second, func() error { return tlsUp(a.port) }); err != nil {
		t.Fatalf("apache2: %v\n%s", err, a.errorLog())
	}
	return p
}

func (a *debianApache) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(a.root, "log", "error.log"))
	return string(b)
}

// portalFiles writes the portal's own page, certificate and password file.
func portalFiles(t *testing.T, root string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "www", "index.html"), []byte("<h1>intranet portal</h1>\n"))
	for src, dst := range map[string]string{"domain.crt": "portal-domain.crt", "domain.key": "portal-domain.key", "teams.crt": "other.crt", "teams.key": "other.key"} {
		data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", src))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, dst), data)
	}
	out, err := exec.Command("htpasswd", "-Bbn", "alice", "portalpassword").Output()
	if err != nil {
		t.Fatalf("htpasswd: %v", err)
	}
	writeFile(t, filepath.Join(root, "portal.htpasswd"), out)
}

// openUp lets Apache's workers reach dir: t.TempDir's folders are 0700.
func openUp(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// connectAs tries the registry's socket as another uid/gid (curl
// --unix-socket) and returns the HTTP status curl saw ("000": refused).
func connectAs(t *testing.T, sock string, uid, gid uint32) string {
	t.Helper()
	cmd := exec.Command("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--unix-socket", sock, "http://registry/v2/")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, NoSetGroups: true}}
	out, _ := cmd.Output()
	return strings.TrimSpace(string(out))
}

func groupOf(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Gid)
	}
	return -1
}

// tlsUp reports whether something speaks TLS on 127.0.0.1:port.
func tlsUp(port int) error {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return err
	}
	return c.Close()
}

func mustMkdirAll(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
