package stacktest

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/tlsdial"
)

// Transport returns an HTTP transport that dials Apache (s.Addr) whatever
// the URL's host, so "https://myregistrydomain.com:PORT/v2/" works with SNI
// and Host intact; it trusts only OUT/auth/domain.crt and ignores proxies.
func (s *Stack) Transport() (*http.Transport, error) {
	pem, err := os.ReadFile(filepath.Join(s.Out, "auth", "domain.crt"))
	if err != nil {
		return nil, fmt.Errorf("reading certificate: %w", err)
	}
	roots, err := tlsdial.OnlyRoots(pem)
	if err != nil {
		return nil, fmt.Errorf("auth/domain.crt: %w", err)
	}
	return &http.Transport{
		Proxy:             nil,
		DialContext:       tlsdial.Pinned(&net.Dialer{Timeout: 5 * time.Second}, s.Addr),
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		DisableKeepAlives: true,
	}, nil
}

// Client is an http.Client using Transport, with a 10 s timeout; it fails
// the test if the certificate cannot be read.
func (s *Stack) Client(t testing.TB) *http.Client {
	t.Helper()
	tr, err := s.Transport()
	if err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}
