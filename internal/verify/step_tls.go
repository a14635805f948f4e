package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// checkTLS connects, completes a TLS handshake and verifies the
// certificate chain and name itself, so that each problem gets its own
// message. Failing to connect at all is an unreachableError.
func (r *run) checkTLS(ctx context.Context) (string, error) {
	conn, err := r.dial(ctx)
	if err != nil {
		return "", &unreachableError{err: fmt.Errorf("connecting to %s: %w", r.dialAddr, err)}
	}
	defer conn.Close()
	conf := r.tlsConfig()
	conf.InsecureSkipVerify = true //nolint:gosec // verified below, to tell the problems apart
	tc := tls.Client(conn, conf)
	hctx, cancel := context.WithTimeout(ctx, r.c.Timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return "", failf("TLS handshake with %s failed (is it serving TLS on this port?): %v", r.dialAddr, err)
	}
	st := tc.ConnectionState()
	leaf := st.PeerCertificates[0]
	if r.c.Insecure {
		return fmt.Sprintf("%s, certificate NOT verified (insecure): %s", tls.VersionName(st.Version), certSummary(leaf)), nil
	}
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: r.c.RootCAs, Intermediates: inter, DNSName: r.hostname})
	if err != nil {
		return "", certFailure(err, leaf, r.hostname)
	}
	return fmt.Sprintf("%s, %s", tls.VersionName(st.Version), certSummary(leaf)), nil
}

// certSummary is e.g. `certificate for registry.test issued by "Test CA", valid until 2030-01-02`.
func certSummary(c *x509.Certificate) string {
	return fmt.Sprintf("certificate for %s issued by %q, valid until %s",
		strings.Join(certNames(c), ", "), c.Issuer.String(), c.NotAfter.UTC().Format("2006-01-02"))
}

func certNames(c *x509.Certificate) []string {
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, "CN="+c.Subject.CommonName)
	}
	if len(names) == 0 {
		names = append(names, "no names")
	}
	return names
}

// certFailure explains why verification failed.
func certFailure(err error, leaf *x509.Certificate, host string) error {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return failf("TLS invalid: the certificate (issued by %q) does not chain to the trusted CAs: %v", leaf.Issuer.String(), err)
	case errors.As(err, &he):
		return failf("TLS invalid: the certificate does not name %s (it names %s)", host, strings.Join(certNames(leaf), ", "))
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return failf("TLS invalid: the certificate is expired or not yet valid (valid %s to %s)",
			leaf.NotBefore.UTC().Format("2006-01-02"), leaf.NotAfter.UTC().Format("2006-01-02"))
	default:
		return failf("TLS invalid: verifying the certificate for %s: %v", host, err)
	}
}
