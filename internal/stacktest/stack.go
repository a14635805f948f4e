package stacktest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/deploy"
)

// Options tune Start. The zero value is fine.
type Options struct {
	// ReadyTimeout bounds the wait for each process to come up (default 10s).
	ReadyTimeout time.Duration
	// StopTimeout is how long to wait after SIGTERM before SIGKILL (default 5s).
	StopTimeout time.Duration
	// Directives are extra config lines httpd applies after httpd.conf
	// (httpd -c), at start and at every reload, e.g. "LogLevel warn
	// lua:debug"; the files on disk stay as rendered.
	Directives []string
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
	s, err := Run(out, t.TempDir(), opts)
	if s != nil {
		t.Cleanup(s.Stop)
		t.Cleanup(func() { // runs before Stop: cleanups run last-in first-out
			if t.Failed() {
				t.Logf("stacktest: apache (port %d) log (tail):\n%s", s.Port, s.ApacheTail(40))
				if s.registry != nil {
					t.Logf("stacktest: registry (%s) log (tail):\n%s", s.RegistryAddr, s.registry.tail(40))
				}
			}
		})
	}
	if addrInUse(err) {
		return nil, fmt.Errorf("apache port %d is already in use (another stack or process got it); tests running at the same time must use distinct Listen ports: %w", s.Port, err)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// portFree fails clearly when something already listens on port.
func portFree(port int) error {
	if err := deploy.PortFree(port); err != nil {
		return fmt.Errorf("apache's Listen port: tests running at the same time must use distinct Listen ports: %w", err)
	}
	return nil
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
