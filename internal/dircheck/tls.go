package dircheck

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/regsetup/regsetup/model"
)

// verifier checks the server's certificate as Apache does (the CA of
// auth.ldap.ca, else the system's; the server's name), and keeps the
// typed error so it can be said in words.
type verifier struct {
	d    *model.LDAP
	host string
	err  error
}

func (v *verifier) config() *tls.Config {
	return &tls.Config{
		ServerName: v.host,
		MinVersion: tls.VersionTLS12,
		// Verified below, with the same roots and name, to keep the
		// typed error (go-ldap's StartTLS flattens it into a string).
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				v.err = errors.New("the server sent no certificate")
				return v.err
			}
			opts := x509.VerifyOptions{DNSName: v.host, Intermediates: x509.NewCertPool(), Roots: v.roots()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, v.err = cs.PeerCertificates[0].Verify(opts)
			return v.err
		},
	}
}

// roots are auth.ldap.ca's certificates, or the system's (nil).
func (v *verifier) roots() *x509.CertPool {
	if v.d.CAPEM == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(v.d.CAPEM)
	return pool
}

// trustName names what the certificate must chain to.
func (v *verifier) trustName() string {
	if v.d.CAPEM == nil {
		return "the system's trusted CAs"
	}
	var names []string
	for rest := v.d.CAPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			names = append(names, fmt.Sprintf("%q", c.Subject.String()))
		}
	}
	return "auth.ldap.ca: " + strings.Join(names, ", ")
}

// explain words a failed handshake.
func (v *verifier) explain(err error, timeout time.Duration) string {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(v.err, &ua) && ua.Cert != nil:
		return fmt.Sprintf("TLS not trusted: the server's certificate is issued by %q, not by a CA of %s", ua.Cert.Issuer.String(), v.trustName())
	case errors.As(v.err, &ua):
		return fmt.Sprintf("TLS not trusted: the server's certificate is not signed by %s", v.trustName())
	case errors.As(v.err, &he):
		return fmt.Sprintf("TLS not trusted: the certificate is not for %s (%v); name the server as its certificate does in auth.ldap.servers", v.host, he)
	case errors.As(v.err, &ci):
		return fmt.Sprintf("TLS not trusted: %v", ci)
	case v.err != nil:
		return fmt.Sprintf("TLS not trusted: %v", v.err)
	case isTimeout(err) || strings.Contains(err.Error(), "timeout") || strings.Contains(err.Error(), "deadline"):
		return fmt.Sprintf("the TLS handshake got no answer within %s", timeout)
	}
	if v.d.TLS == model.TLSLDAPS {
		return fmt.Sprintf("the TLS handshake failed: %v (does this port speak ldaps? tls: starttls uses port 389)", err)
	}
	return fmt.Sprintf("StartTLS failed: %v", err)
}
