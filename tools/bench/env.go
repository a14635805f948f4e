package bench

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// env is what every variant of a run shares: the scratch directory, the
// users' credentials, one certificate per key type (the clients trust both)
// and the options.
type env struct {
	dir   string
	creds credentials
	certs map[string]certPair
	roots *x509.CertPool
	opts  Options
}

func newEnv(dir string, o Options) (*env, error) {
	e := &env{dir: dir, opts: o, certs: map[string]certPair{}, roots: x509.NewCertPool()}
	var err error
	if e.creds, err = newCredentials(); err != nil {
		return nil, err
	}
	for _, k := range []string{KeyECDSA, KeyRSA} {
		c, err := selfSigned(k)
		if err != nil {
			return nil, err
		}
		e.certs[k] = c
		e.roots.AppendCertsFromPEM(c.CertPEM)
	}
	return e, nil
}

// variantDir creates the scratch directory of one variant (mode 0755, so
// that Apache's and nginx's workers can read what is meant for them).
func (e *env) variantDir(name string) (string, error) {
	d, err := os.MkdirTemp(e.dir, sanitize(name)+"-")
	if err != nil {
		return "", fmt.Errorf("creating directory for %s: %w", name, err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		return "", fmt.Errorf("creating directory for %s: %w", name, err)
	}
	return d, nil
}

// writeFiles writes name → content under dir; names ending in ".key" get
// mode 0600.
func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		mode := os.FileMode(0o644)
		if filepath.Ext(name) == ".key" {
			mode = 0o600
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, mode); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

// freePort returns a TCP port free on every address right now (Apache
// listens on all of them).
func freePort() (int, error) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// sanitize keeps letters, digits, '-' and '.' of a variant name for a path.
func sanitize(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// readyTimeout bounds each process's start.
const readyTimeout = 30 * time.Second

// stopTimeout is the grace period between SIGTERM and SIGKILL.
const stopTimeout = 5 * time.Second
