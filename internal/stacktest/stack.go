package stacktest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Options tune Start. The zero value is fine.
type Options struct {
	// ReadyTimeout bounds the wait for each process to come up (default 10s).
	ReadyTimeout time.Duration
	// StopTimeout is how long to wait after SIGTERM before SIGKILL (default 5s).
	StopTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 10 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 5 * time.Second
	}
	return o
}

// Stack is a running Apache in front of a running registry.
type Stack struct {
	Out          string // absolute path of the OUT folder
	Port         int    // Apache's port, from the Listen directive
	Addr         string // where to dial Apache: 127.0.0.1:Port
	RegistryAddr string // where the registry listens: 127.0.0.N:5000

	opts     Options
	apache   *proc
	registry *proc
}

// Start runs the registry (data in out/data) and Apache (config out/auth)
// and waits until both answer. Both are stopped when the test ends. It skips
// or fails the test as Require does when the tools are missing, and fails it
// if the stack cannot start, with the tail of the failing process's log.
//
// Apache listens on all addresses on the config's port: tests that run at
// the same time must use distinct ports.
func Start(t testing.TB, out string, opts Options) *Stack {
	t.Helper()
	Require(t)
	s, err := start(t, out, opts)
	if err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	return s
}

func start(t testing.TB, out string, opts Options) (*Stack, error) {
	t.Helper()
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("locating out dir: %w", err)
	}
	conf, err := os.ReadFile(filepath.Join(out, "auth", "httpd.conf"))
	if err != nil {
		return nil, fmt.Errorf("reading apache config: %w", err)
	}
	port, err := listenPort(conf)
	if err != nil {
		return nil, fmt.Errorf("auth/httpd.conf: %w", err)
	}
	if strconv.Itoa(port) == registryPort {
		return nil, fmt.Errorf("apache Listen port %d collides with the registry's port on loopback; use another port", port)
	}
	if err := portFree(port); err != nil {
		return nil, err
	}
	s := &Stack{Out: out, Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), opts: opts.withDefaults()}
	dir := t.TempDir()

	s.registry, s.RegistryAddr, err = startRegistry(dir, filepath.Join(out, "data"), s.opts.ReadyTimeout)
	if err != nil {
		return nil, err
	}
	t.Cleanup(s.StopRegistry)

	registryIP, _, _ := net.SplitHostPort(s.RegistryAddr)
	logsDir, hostsFile, err := nsDirs(dir, registryIP)
	if err != nil {
		return nil, err
	}
	cmd := httpdCmd(context.Background(), filepath.Join(out, "auth"), logsDir, hostsFile, "-DFOREGROUND")
	s.apache, err = startProc("httpd", filepath.Join(dir, "apache.log"), cmd)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.apache.stop(s.opts.StopTimeout) })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stacktest: apache (port %d) log (tail):\n%s", s.Port, s.apache.tail(40))
			t.Logf("stacktest: registry (%s) log (tail):\n%s", s.RegistryAddr, s.registry.tail(40))
		}
	})

	err = s.apache.waitReady(s.opts.ReadyTimeout, func() error { return apacheReady(s.apache, s.Addr) })
	if addrInUse(err) {
		return nil, fmt.Errorf("apache port %d is already in use (another stack or process got it); tests running at the same time must use distinct Listen ports: %w", port, err)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// portFree fails clearly when something already listens on port.
func portFree(port int) error {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return fmt.Errorf("apache port %d is already in use (another stack or process); tests running at the same time must use distinct Listen ports: %w", port, err)
	}
	return l.Close()
}

// apacheReady checks that httpd has bound its ports and started serving
// (AH00489 "resuming normal operations", logged whatever the LogLevel) and
// that its port accepts connections; the log check keeps a process that
// grabbed the port first from passing for this httpd.
func apacheReady(p *proc, addr string) error {
	if !strings.Contains(p.log(), "AH00489") {
		return fmt.Errorf("httpd has not logged AH00489 (resuming normal operations) yet")
	}
	return dial(addr)
}

func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// StopRegistry stops the registry behind Apache, e.g. to test that Apache
// then answers 502/503. Safe to call more than once.
func (s *Stack) StopRegistry() { s.registry.stop(s.opts.StopTimeout) }

// ApacheLog returns Apache's output so far (error log and access log).
func (s *Stack) ApacheLog() string { return s.apache.log() }

// WaitApacheLog waits up to timeout for substr to appear in Apache's log
// (the access log line of a request is written after its response) and
// reports whether it did.
func (s *Stack) WaitApacheLog(substr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(s.ApacheLog(), substr) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// RegistryLog returns the registry's output so far.
func (s *Stack) RegistryLog() string { return s.registry.log() }
