package stacktest

import (
	"fmt"
	"net"
	"testing"
)

// FreePort returns a TCP port free on 127.0.0.1 now (the kernel's choice,
// so never a well-known port such as 389 or 636).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Port is FreePort for a test: it fails the test when none is free.
func Port(t testing.TB) int {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}
