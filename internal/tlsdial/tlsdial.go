// Package tlsdial holds what every client of the stack needs to reach it
// under its own name: a dial function pinned to one address (the URL keeps
// the registry's domain for SNI, Host and the certificate check, as curl's
// --resolve does) and the certificate pools to trust. deploy's readiness
// probe, verify, and the test tools share it.
package tlsdial

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"os"
)

// Pinned returns a DialContext function that connects to addr whatever
// address it is asked for; with addr "" it dials the asked address.
func Pinned(d *net.Dialer, addr string) func(ctx context.Context, network, asked string) (net.Conn, error) {
	return func(ctx context.Context, network, asked string) (net.Conn, error) {
		if addr != "" {
			asked = addr
		}
		return d.DialContext(ctx, network, asked)
	}
}

// SystemRootsWith is the system's roots plus the certificates in certFile
// (the stack's own, self-signed one); a file that is missing or holds no
// certificate adds nothing, so a certificate from a public CA still works.
func SystemRootsWith(certFile string) *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if pem, err := os.ReadFile(certFile); err == nil {
		pool.AppendCertsFromPEM(pem)
	}
	return pool
}

// ErrNoCertificate: a file meant to hold a PEM certificate holds none.
var ErrNoCertificate = errors.New("holds no PEM certificate")

// OnlyRoots is a pool that trusts only the PEM certificates in pem.
func OnlyRoots(pem []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, ErrNoCertificate
	}
	return pool, nil
}
