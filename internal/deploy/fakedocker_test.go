package deploy

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/execx"
)

const testDomain = "myregistrydomain.com"

// fakeDocker plays docker and Compose for one project: it keeps the
// containers' state, answers ps/inspect/exec/kill/logs, and records every
// command line.
type fakeDocker struct {
	t        *testing.T
	mu       sync.Mutex
	authDir  string                // what a new apache container mounts
	ctrs     map[string]*Container // by service
	inode    string                // what stat in the apache container says; "" = the host's
	httpdT   error                 // what httpd -t in the container returns
	recreate bool                  // the next `up -d` re-creates apache (compose settings changed)
	ran      []string
	n        int
	signals  int
	down     bool   // the daemon does not answer
	loaded   func() // apache (re)loads the files: the proxy serves them
}

func newFakeDocker(t *testing.T, authDir string) *fakeDocker {
	return &fakeDocker{t: t, authDir: authDir, ctrs: map[string]*Container{}, loaded: func() {}}
}

func (f *fakeDocker) newContainer(svc string) {
	f.n++
	c := &Container{Service: svc, ID: fmt.Sprintf("%s%04d", svc, f.n), State: "running", StartedAt: time.Now().UTC().Format(time.RFC3339Nano)}
	if svc == "apache" {
		c.ConfSource, f.inode = f.authDir, ""
		f.loaded()
	}
	f.ctrs[svc] = c
}

// running starts both services as if `up` had run before.
func (f *fakeDocker) running() *fakeDocker {
	f.newContainer("apache")
	f.newContainer("registry")
	return f
}

func (f *fakeDocker) Output(_ context.Context, c execx.Cmd) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	line := c.String()
	f.ran = append(f.ran, line)
	fail := func(out string) ([]byte, error) {
		return []byte(out), &execx.Error{Cmd: line, Output: out, Err: failed}
	}
	a := c.Args
	if f.down && c.Name == "docker" {
		return fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock")
	}
	switch {
	case c.Name == "docker" && a[0] == "info", strings.HasSuffix(line, " version"), c.Name == "docker" && a[0] == "image":
		return []byte("ok"), nil
	case c.Name == "docker" && a[0] == "run":
		return []byte("Syntax OK"), nil
	case c.Name == "docker" && a[0] == "ps":
		var ids []string
		for _, ct := range f.ctrs {
			ids = append(ids, ct.ID)
		}
		return []byte(strings.Join(ids, "\n")), nil
	case c.Name == "docker" && a[0] == "inspect":
		return f.inspect(a[1:]), nil
	case c.Name == "docker" && a[0] == "exec":
		if f.inode != "" {
			return []byte(f.inode), nil
		}
		return []byte(devIno(f.t, f.authDir)), nil
	case c.Name == "docker" && a[0] == "kill":
		f.signals++
		f.loaded()
		return nil, nil
	case c.Name == "sh" && strings.Contains(line, "docker logs --since"):
		return []byte("[mpm_event:notice] AH00489: Apache/2.4 configured -- resuming normal operations"), nil
	case strings.Contains(line, " exec -T apache httpd -t"):
		if f.httpdT != nil {
			return fail("AH00526: Syntax error on line 3 of /usr/local/apache2/conf/httpd.conf")
		}
		return []byte("Syntax OK"), nil
	case strings.Contains(line, " up -d"):
		for _, svc := range []string{"apache", "registry"} {
			force := strings.Contains(line, "--force-recreate") && (strings.HasSuffix(line, " "+svc) || !strings.Contains(line, "--no-deps"))
			if ct := f.ctrs[svc]; ct == nil || !ct.Running() || force || (svc == "apache" && f.recreate) {
				f.newContainer(svc)
			}
		}
		f.recreate = false
		return nil, nil
	case strings.Contains(line, " rm -f -s apache"):
		delete(f.ctrs, "apache")
		return nil, nil
	case strings.Contains(line, " logs "):
		return []byte("apache log"), nil
	}
	return nil, &execx.Error{Cmd: line, Err: exec.ErrNotFound}
}

func (f *fakeDocker) inspect(ids []string) []byte {
	type mount struct{ Source, Destination string }
	var out []map[string]any
	for _, id := range ids {
		for _, ct := range f.ctrs {
			if ct.ID != id {
				continue
			}
			var mounts []mount
			if ct.ConfSource != "" {
				mounts = append(mounts, mount{ct.ConfSource, ApacheConfDir})
			}
			state := map[string]any{"Status": ct.State, "StartedAt": ct.StartedAt}
			if ct.Health != "" {
				state["Health"] = map[string]string{"Status": ct.Health}
			}
			out = append(out, map[string]any{
				"ID":     ct.ID,
				"Config": map[string]any{"Labels": map[string]string{"com.docker.compose.service": ct.Service}},
				"State":  state,
				"Mounts": mounts,
			})
		}
	}
	data, _ := json.Marshal(out)
	return data
}

// count is how many command lines contain s.
func (f *fakeDocker) count(s string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, l := range f.ran {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

func devIno(t *testing.T, dir string) string {
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d", sys.Dev, sys.Ino)
}

// outFolder makes an output folder with a compose file and an auth/ set,
// and a fake docker whose apache is a TLS server answering 401 with a Basic
// challenge, with the certificate in auth/ when it last (re)loaded.
func outFolder(t *testing.T) (dir string, o Options, f *fakeDocker) {
	t.Helper()
	dir = t.TempDir()
	auth := filepath.Join(dir, "auth")
	os.MkdirAll(auth, 0o755)
	writePair(t, auth)
	for name, data := range map[string][]byte{"httpd.conf": []byte("Listen 5043\n"), "httpd.htpasswd": []byte("u:x\n")} {
		os.WriteFile(filepath.Join(auth, name), data, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte("services: {}\n"), 0o644)
	var serving atomic.Pointer[tls.Certificate]
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	srv.TLS = &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return serving.Load(), nil }}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	f = newFakeDocker(t, auth)
	f.loaded = func() {
		pair, err := tls.LoadX509KeyPair(filepath.Join(auth, "domain.crt"), filepath.Join(auth, "domain.key"))
		if err != nil {
			t.Errorf("the fake apache cannot load the pair: %v", err)
			return
		}
		serving.Store(&pair)
	}
	f.loaded()
	return dir, Options{Dir: dir, Domain: testDomain, Port: freePort(t), Dial: srv.Listener.Addr().String(), Runner: f,
		ApacheImage: "httpd:2.4", RegistryImage: "registry:2", Project: "p", Timeout: 5 * time.Second}, f
}

// writePair writes a new certificate and key for testDomain into auth.
func writePair(t *testing.T, auth string) {
	t.Helper()
	cert, key, err := generator.GenerateCertificate(testDomain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(auth, "domain.crt"), cert, 0o644)
	os.WriteFile(filepath.Join(auth, "domain.key"), key, 0o644)
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
