package bench

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// registryRun is docker-registry started by the benchmark itself (the
// variants without Apache), with the same base config as the stacks'.
type registryRun struct {
	p    *stacktest.Process
	pid  int
	addr string // 127.0.0.1:port
	t    Target
}

func (r *registryRun) pids() []int { return []int{r.pid} }

func (r *registryRun) target() Target       { return r.t }
func (r *registryRun) stop()                { r.p.Stop(stopTimeout) }
func (r *registryRun) logTail(n int) string { return r.p.Tail(n) }

// startRegistry runs the registry on a free 127.0.0.1 port with data in
// dir/data; tlsKey != "" adds its own TLS (certificate of that key type)
// and htpasswd auth, as the document recommends.
func startRegistry(e *env, name, dir, tlsKey string) (*registryRun, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, fmt.Errorf("creating registry data dir: %w", err)
	}
	conf := stacktest.RegistryConfig(data, addr)
	if tlsKey != "" {
		c := e.certs[tlsKey]
		ht, err := htpasswdFile(e.creds, e.opts.BcryptCost)
		if err != nil {
			return nil, err
		}
		if err := writeFiles(dir, map[string][]byte{"domain.crt": c.CertPEM, "domain.key": c.KeyPEM, "htpasswd": ht}); err != nil {
			return nil, err
		}
		conf += fmt.Sprintf("  tls:\n    certificate: %q\n    key: %q\nauth:\n  htpasswd:\n    realm: %q\n    path: %q\n",
			filepath.Join(dir, "domain.crt"), filepath.Join(dir, "domain.key"), "Registry Realm", filepath.Join(dir, "htpasswd"))
	}
	confPath := filepath.Join(dir, "registry.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("writing registry config: %w", err)
	}
	cmd := exec.Command(stacktest.RegistryBin, "serve", confPath)
	cmd.Env = stacktest.RegistryEnv()
	p, err := stacktest.StartProcess(name, filepath.Join(dir, "registry.log"), cmd)
	if err != nil {
		return nil, err
	}
	r := &registryRun{p: p, pid: cmd.Process.Pid, addr: addr, t: Target{Name: name, Host: addr, Addr: addr}}
	if tlsKey != "" {
		r.t.Host, r.t.TLS = ServerName+":"+strconv.Itoa(port), true
		r.t.User, r.t.Password = PushUser, e.creds.PushPassword
	}
	if err := p.WaitReady(readyTimeout, func() error { return answers(e, r.t) }); err != nil {
		p.Stop(stopTimeout)
		return nil, err
	}
	return r, nil
}

// answers checks that t serves GET /v2/ (200, or 401 without credentials).
func answers(e *env, t Target) error {
	tr := &http.Transport{
		Proxy:             nil,
		DialContext:       (&net.Dialer{Timeout: time.Second}).DialContext,
		TLSClientConfig:   &tls.Config{RootCAs: e.roots, ServerName: ServerName},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 2 * time.Second}
	scheme := "http"
	if t.TLS {
		scheme = "https"
	}
	resp, err := c.Get(scheme + "://" + t.Addr + "/v2/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("GET /v2/: %s", resp.Status)
	}
	return nil
}
