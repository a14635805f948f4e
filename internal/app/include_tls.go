package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/verify"
)

// ErrVhostTLS is wrapped when the vhost at the spec's domain and port
// does not terminate TLS for the domain: it answers in plain HTTP, or its
// certificate does not name the domain, or is not trusted.
var ErrVhostTLS = errors.New("the vhost does not terminate TLS for the domain")

// includeAddr is where the user's Apache is dialled: --resolve's address,
// else the spec's domain and port.
func includeAddr(cfg verify.Config) (host, addr string, err error) {
	host, port, err := net.SplitHostPort(cfg.Host)
	if err != nil {
		return "", "", err
	}
	addr = cfg.Host
	if cfg.Dial != "" {
		addr = cfg.Dial
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, port)
		}
	}
	return host, addr, nil
}

// checkVhostTLS makes the TLS handshake a client of the registry makes
// (SNI: the spec's domain) with the user's Apache, and checks that the
// vhost that answers terminates TLS with a certificate naming the domain,
// trusted unless --insecure. The name is checked even with --insecure: a
// vhost with another site's certificate is the wrong place for the
// snippet whatever the client trusts.
func checkVhostTLS(ctx context.Context, cfg verify.Config) error {
	host, addr, err := includeAddr(cfg)
	if err != nil {
		return fmt.Errorf("checking the vhost's TLS: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%w: checking the vhost's TLS at %s: %w", verify.ErrUnreachable, addr, err)
	}
	defer raw.Close()
	conn := tls.Client(raw, &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12})
	if err := conn.HandshakeContext(ctx); err != nil {
		var rec tls.RecordHeaderError
		if errors.As(err, &rec) {
			return fmt.Errorf("%w: %w: %s answers without TLS (its first bytes: %q): include %s only in your TLS <VirtualHost> for %s (SSLEngine on, with its certificate)",
				ErrChecksFailed, ErrVhostTLS, cfg.Host, strings.TrimSpace(string(rec.RecordHeader[:])), generator.IncludeLocation, cfg.Host)
		}
		return fmt.Errorf("%w: %w: the TLS handshake with %s (SNI %s) failed: %w", ErrChecksFailed, ErrVhostTLS, cfg.Host, host, err)
	}
	certs := conn.ConnectionState().PeerCertificates
	leaf := certs[0]
	if err := leaf.VerifyHostname(host); err != nil {
		return fmt.Errorf("%w: %w: the certificate %s serves for %s names %s, not %s: the vhost that answers for %s (its ServerName or ServerAlias, else the port's first vhost) must have %s's certificate (SSLCertificateFile)",
			ErrChecksFailed, ErrVhostTLS, cfg.Host, host, certNames(leaf), host, host, host)
	}
	if cfg.Insecure {
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: cfg.RootCAs, Intermediates: inter}); err != nil {
		return fmt.Errorf("%w: %w: the certificate %s serves for %s is not trusted (give its CA with --ca): %w", ErrChecksFailed, ErrVhostTLS, cfg.Host, host, err)
	}
	return nil
}

// certNames lists the names a certificate is valid for.
func certNames(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, "CN="+c.Subject.CommonName+" (no subjectAltName)")
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}
