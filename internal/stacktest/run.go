package stacktest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// This file exports what programs outside tests (cmd/regsetup-bench) need:
// Run is Start without a testing.TB, and Process is the process runner.

// Missing lists what the stack needs and the machine lacks (empty when
// Apache, the registry, mount, sh and root privileges are all there).
func Missing() []string { return missing() }

// Run starts the registry (data in out/data) and Apache (config out/auth)
// like Start, with scratch files (logs, hosts file, registry config) in
// dir, and waits until both answer. The caller must call Stop, also when
// Run fails after starting something (Stop is safe on a partial stack).
func Run(out, dir string, opts Options) (*Stack, error) {
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("locating out dir: %w", err)
	}
	port, err := apachePort(out)
	if err != nil {
		return nil, err
	}
	s := &Stack{Out: out, Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), opts: opts.withDefaults()}
	s.registry, s.RegistryAddr, err = startRegistry(dir, filepath.Join(out, "data"), s.opts.ReadyTimeout)
	if err != nil {
		return s, err
	}
	registryIP, _, _ := net.SplitHostPort(s.RegistryAddr)
	return s, s.startApache(dir, registryIP)
}

// apachePort is the Listen port of out/auth/httpd.conf, checked free and
// apart from the registry's.
func apachePort(out string) (int, error) {
	conf, err := os.ReadFile(filepath.Join(out, "auth", "httpd.conf"))
	if err != nil {
		return 0, fmt.Errorf("reading apache config: %w", err)
	}
	port, err := listenPort(conf)
	if err != nil {
		return 0, fmt.Errorf("auth/httpd.conf: %w", err)
	}
	if strconv.Itoa(port) == registryPort {
		return 0, fmt.Errorf("apache Listen port %d collides with the registry's port on loopback; use another port", port)
	}
	if err := portFree(port); err != nil {
		return 0, err
	}
	return port, nil
}

// startApache runs httpd on s.Out/auth with "registry" resolving to
// registryIP and waits until it serves.
func (s *Stack) startApache(dir, registryIP string) error {
	logsDir, hostsFile, err := nsDirs(dir, registryIP)
	if err != nil {
		return err
	}
	args := []string{"-DFOREGROUND"}
	for _, d := range s.opts.Directives {
		args = append(args, "-c", d)
	}
	cmd := httpdCmd(context.Background(), s.Out, logsDir, hostsFile, args...)
	s.apache, err = startProc("httpd", filepath.Join(dir, "apache.log"), cmd)
	if err != nil {
		return err
	}
	err = s.apache.waitReady(s.opts.ReadyTimeout, func() error { return anyMPMReady(s.apache, s.Addr) })
	if err != nil {
		return fmt.Errorf("apache on port %d: %w", s.Port, err)
	}
	return nil
}

// anyMPMReady is apacheReady for every MPM: each logs "resuming normal
// operations" once serving, under its own number (event AH00489, worker
// AH00292, prefork AH00163).
func anyMPMReady(p *proc, addr string) error {
	if !strings.Contains(p.log(), "resuming normal operations") {
		return fmt.Errorf("httpd has not logged \"resuming normal operations\" yet")
	}
	return dial(addr)
}

// Stop stops Apache, then the registry; safe on a partial stack and more
// than once.
func (s *Stack) Stop() {
	if s.apache != nil {
		s.apache.stop(s.opts.StopTimeout)
	}
	if s.registry != nil {
		s.registry.stop(s.opts.StopTimeout)
	}
}

// ApacheTail returns the last n lines of Apache's output.
func (s *Stack) ApacheTail(n int) string {
	if s.apache == nil {
		return ""
	}
	return s.apache.tail(n)
}

// Process is a long-running child process in its own process group (killed
// if this program dies), its output appended to a log file.
type Process struct{ p *proc }

// StartProcess starts cmd with its output appended to logPath.
func StartProcess(name, logPath string, cmd *exec.Cmd) (*Process, error) {
	p, err := startProc(name, logPath, cmd)
	if err != nil {
		return nil, err
	}
	return &Process{p: p}, nil
}

// WaitReady polls check until it succeeds, the process exits or timeout
// passes; errors carry the tail of the process log.
func (p *Process) WaitReady(timeout time.Duration, check func() error) error {
	return p.p.waitReady(timeout, check)
}

// Stop sends SIGTERM to the process group, SIGKILL after timeout, and
// waits. Safe to call more than once.
func (p *Process) Stop(timeout time.Duration) { p.p.stop(timeout) }

// Tail returns the last n lines of the process log.
func (p *Process) Tail(n int) string { return p.p.tail(n) }

// RegistryEnv is the environment without REGISTRY_* overrides, for running
// docker-registry with exactly its config file.
func RegistryEnv() []string { return registryEnv() }

// RegistryBin is the docker-registry binary the stacks run.
const RegistryBin = registryBin

// RegistryConfig is the registry config the stacks use (filesystem storage
// in dataDir, plain HTTP on addr), so other setups can match it.
func RegistryConfig(dataDir, addr string) string { return registryConfig(dataDir, addr) }
