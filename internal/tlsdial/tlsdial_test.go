package tlsdial

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	_ "github.com/regsetup/regsetup/internal/golden"
)

func TestPinned(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	d := &net.Dialer{Timeout: time.Second}
	tests := []struct {
		name, pin, asked string
		ok               bool
	}{
		{"pinned wins over the asked name", l.Addr().String(), "myregistrydomain.com.invalid:5043", true},
		{"no pin dials the asked address", "", l.Addr().String(), true},
		{"no pin, unreachable name", "", "myregistrydomain.com.invalid:5043", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Pinned(d, tt.pin)(context.Background(), "tcp", tt.asked)
			if (err == nil) != tt.ok {
				t.Fatalf("dial: %v, want ok=%v", err, tt.ok)
			}
			if c != nil {
				if got := c.RemoteAddr().String(); got != l.Addr().String() {
					t.Errorf("connected to %s, want %s", got, l.Addr())
				}
				c.Close()
			}
		})
	}
}

func TestRoots(t *testing.T) {
	cert, _, err := generator.GenerateCertificate("myregistrydomain.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "domain.crt")
	if err := os.WriteFile(file, cert, 0o644); err != nil {
		t.Fatal(err)
	}
	leaf := parse(t, cert)
	if _, err := leaf.Verify(x509Opts(SystemRootsWith(file))); err != nil {
		t.Errorf("SystemRootsWith does not trust the stack's certificate: %v", err)
	}
	if _, err := leaf.Verify(x509Opts(SystemRootsWith(filepath.Join(dir, "absent.crt")))); err == nil {
		t.Error("without the file, the self-signed certificate must not be trusted")
	}
	only, err := OnlyRoots(cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leaf.Verify(x509Opts(only)); err != nil {
		t.Errorf("OnlyRoots does not trust its certificate: %v", err)
	}
	if _, err := OnlyRoots([]byte("not a certificate")); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("OnlyRoots(garbage) = %v, want ErrNoCertificate", err)
	}
}

func parse(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(certPEM)
	if b == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func x509Opts(roots *x509.CertPool) x509.VerifyOptions {
	return x509.VerifyOptions{Roots: roots, DNSName: "myregistrydomain.com"}
}
