package stacktest

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
)

// BackendListener listens on a free 127.0.0.N:5000, the address the
// rendered Apache proxies to (http://registry:5000) when StartFront maps
// "registry" to 127.0.0.N: whatever serves on it (a balancer in a test)
// stands where the registry stands. The listener is closed when the test
// ends.
func BackendListener(t testing.TB) net.Listener {
	t.Helper()
	var lastErr error
	for range 5 {
		ip, err := pickLoopback()
		if err != nil {
			t.Fatalf("stacktest: %v", err)
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip, registryPort))
		if err == nil {
			t.Cleanup(func() { l.Close() })
			return l
		}
		lastErr = err
	}
	t.Fatalf("stacktest: no 127.0.0.N:%s to listen on: %v", registryPort, lastErr)
	return nil
}

// StartFront runs Apache on the rendered out/auth like Start, but with no
// registry of its own: "registry" resolves to backend, an address from
// BackendListener. Apache is stopped when the test ends; the Stack has no
// registry (RegistryAddr is backend).
func StartFront(t testing.TB, out string, backend net.Addr, opts Options) *Stack {
	t.Helper()
	Require(t)
	s, err := startFront(t, out, backend, opts)
	if err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	return s
}

func startFront(t testing.TB, out string, backend net.Addr, opts Options) (*Stack, error) {
	t.Helper()
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("locating out dir: %w", err)
	}
	port, err := apachePort(out)
	if err != nil {
		return nil, err
	}
	ip, _, err := net.SplitHostPort(backend.String())
	if err != nil {
		return nil, fmt.Errorf("backend address %s: %w", backend, err)
	}
	s := &Stack{Out: out, Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		RegistryAddr: backend.String(), opts: opts.withDefaults()}
	t.Cleanup(s.Stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stacktest: apache (port %d) log (tail):\n%s", s.Port, s.ApacheTail(40))
		}
	})
	return s, s.startApache(t.TempDir(), ip)
}
