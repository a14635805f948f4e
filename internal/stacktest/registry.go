package stacktest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// registryPort is the port the recipe proxies to (http://registry:5000/v2).
const registryPort = "5000"

var (
	loopbackMu   sync.Mutex
	loopbackNext = 2 + rand.IntN(253)
)

// pickLoopback returns a 127.0.0.N address on which port 5000 is free.
// Other processes may race for it; startRegistry retries on collisions.
func pickLoopback() (string, error) {
	loopbackMu.Lock()
	defer loopbackMu.Unlock()
	for range 253 {
		ip := fmt.Sprintf("127.0.0.%d", loopbackNext)
		loopbackNext = 2 + (loopbackNext-1)%253 // cycles through 2..254
		l, err := net.Listen("tcp", net.JoinHostPort(ip, registryPort))
		if err == nil {
			l.Close()
			return ip, nil
		}
	}
	return "", fmt.Errorf("no 127.0.0.N address has port %s free", registryPort)
}

// registryConfig is a minimal distribution 2.8 config: filesystem storage
// in dataDir, plain HTTP on addr, and the registry image's own response
// header (images/build.sh), so answers compare with the container's.
func registryConfig(dataDir, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %q
  secret: stacktest-not-a-secret
  headers:
    X-Content-Type-Options: [nosniff]
`, dataDir, addr)
}

// registryEnv is the environment without REGISTRY_* overrides, which the
// registry would otherwise apply on top of its config.
func registryEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") {
			env = append(env, kv)
		}
	}
	return env
}

// startRegistry starts docker-registry on a free 127.0.0.N:5000 and waits
// until it answers GET /v2/. The caller stops the returned process.
func startRegistry(dir, dataDir string, timeout time.Duration) (*proc, string, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, "", fmt.Errorf("creating registry data dir: %w", err)
	}
	var lastErr error
	for attempt := range 5 {
		ip, err := pickLoopback()
		if err != nil {
			return nil, "", err
		}
		addr := net.JoinHostPort(ip, registryPort)
		conf := filepath.Join(dir, fmt.Sprintf("registry-%d.yml", attempt))
		if err := os.WriteFile(conf, []byte(registryConfig(dataDir, addr)), 0o644); err != nil {
			return nil, "", fmt.Errorf("writing registry config: %w", err)
		}
		logPath := filepath.Join(dir, fmt.Sprintf("registry-%d.log", attempt))
		cmd := exec.Command(registryBin, "serve", conf)
		cmd.Env = registryEnv()
		p, err := startProc("registry", logPath, cmd)
		if err != nil {
			return nil, "", err
		}
		err = p.waitReady(timeout, func() error { return registryAnswers(addr) })
		if err == nil {
			return p, addr, nil
		}
		p.stop(time.Second)
		if !addrInUse(err) {
			return nil, "", err
		}
		lastErr = err
	}
	return nil, "", fmt.Errorf("registry: every address tried was in use: %w", lastErr)
}

// noProxy is a client that ignores HTTP(S)_PROXY: stacks live on loopback.
var noProxy = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	Timeout:   2 * time.Second,
}

// registryAnswers checks that the registry serves its API root.
func registryAnswers(addr string) error { return answers(addr, http.StatusOK) }

// answers checks that GET http://addr/v2/ answers want.
func answers(addr string, want int) error {
	resp, err := noProxy.Get("http://" + addr + "/v2/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("GET /v2/: %s, want %d", resp.Status, want)
	}
	return nil
}
