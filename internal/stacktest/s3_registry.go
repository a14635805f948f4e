package stacktest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ReplicaOptions tune StartReplica. The zero value is fine.
type ReplicaOptions struct {
	// CAFile, when set, is the only CA the registry trusts for TLS (its
	// SSL_CERT_FILE), e.g. S3.CAFile.
	CAFile string
	// Ready is what the registry must answer on GET /v2/ before
	// StartReplica returns (default 200). A registry whose storage health
	// check fails answers 503 once the check has failed.
	Ready int
	// ReadyTimeout bounds the wait (default 30s).
	ReadyTimeout time.Duration
}

// Replica is one docker-registry process serving a given config.
type Replica struct {
	Name string // for logs: "registry-a"
	Addr string // host:port it listens on (the config's http.addr)
	proc *proc
}

// StartReplica runs docker-registry with config (the whole config.yml,
// written 0600) listening on addr (which must be the config's http.addr),
// waits until GET /v2/ answers opts.Ready, and stops it when the test ends.
// The registry gets this process's environment without REGISTRY_* (which
// would override the config) and without AWS_CA_BUNDLE (with it, 2.8's s3
// driver panics at start: "LoadCustomCABundleError ... unsupported
// transport").
func StartReplica(t testing.TB, name string, config []byte, addr string, opts ReplicaOptions) *Replica {
	t.Helper()
	Require(t)
	r, err := startReplica(t.TempDir(), name, config, addr, opts)
	if r != nil && r.proc != nil {
		t.Cleanup(r.Stop)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("stacktest: %s (%s) log (tail):\n%s", r.Name, r.Addr, r.proc.tail(40))
			}
		})
	}
	if err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	return r
}

func startReplica(dir, name string, config []byte, addr string, opts ReplicaOptions) (*Replica, error) {
	if opts.Ready == 0 {
		opts.Ready = 200
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 30 * time.Second
	}
	conf := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(conf, config, 0o600); err != nil {
		return nil, fmt.Errorf("writing %s config: %w", name, err)
	}
	cmd := exec.Command(registryBin, "serve", conf)
	cmd.Env = s3RegistryEnv(opts.CAFile)
	p, err := startProc(name, filepath.Join(dir, name+".log"), cmd)
	if err != nil {
		return nil, err
	}
	r := &Replica{Name: name, Addr: addr, proc: p}
	err = p.waitReady(opts.ReadyTimeout, func() error { return answers(addr, opts.Ready) })
	if err != nil {
		return r, fmt.Errorf("%s on %s: %w", name, addr, err)
	}
	return r, nil
}

// s3RegistryEnv is registryEnv without AWS_CA_BUNDLE, trusting only caFile
// when it is set.
func s3RegistryEnv(caFile string) []string {
	var env []string
	for _, kv := range registryEnv() {
		if !strings.HasPrefix(kv, "AWS_CA_BUNDLE=") && !strings.HasPrefix(kv, "SSL_CERT_") {
			env = append(env, kv)
		}
	}
	if caFile != "" {
		env = append(env, "SSL_CERT_FILE="+caFile)
	}
	return env
}

// Log returns the registry's output so far.
func (r *Replica) Log() string { return r.proc.log() }

// Stop stops the registry (its process group, by PID). Safe to call more
// than once.
func (r *Replica) Stop() { r.proc.stop(5 * time.Second) }
