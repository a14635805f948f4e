package spec

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"net"

	"github.com/regsetup/regsetup/model"
)

func (c *checker) tls(s *Spec) model.TLS {
	if s.TLS.Generate {
		if s.TLS.Cert != "" || s.TLS.Key != "" {
			c.addf("tls.generate", "either generate a certificate or name cert and key, not both")
		}
		return model.TLS{Generate: true}
	}
	certPEM := c.readFile("tls.cert", s.TLS.Cert)
	keyPEM := c.readFile("tls.key", s.TLS.Key)
	if certPEM == nil || keyPEM == nil {
		return model.TLS{}
	}
	if c.holdsPrivateKey(s.TLS.Cert, certPEM) {
		return model.TLS{}
	}
	chain, ok := c.parseCerts(s.TLS.Cert, certPEM)
	key, okKey := c.parseKey(s.TLS.Key, keyPEM)
	if ok && okKey {
		c.checkPair(s, chain, key)
	}
	return model.TLS{CertPEM: certPEM, KeyPEM: model.Secret(keyPEM)}
}

func (c *checker) readFile(field, name string) []byte {
	path, ok := c.path(field, name)
	if !ok {
		return nil
	}
	data, err := readRegular(path, maxPEMBytes)
	if err != nil {
		c.addf(field, "reading %s: %v", printable(name), err)
		return nil
	}
	return data
}

// holdsPrivateKey refuses a certificate file that also holds a key (as
// `cat cert key > server.pem` makes): the certificate is copied to
// auth/domain.crt, which every user may read. It looks at the raw bytes as
// well as the PEM blocks, so a damaged key block is caught too.
func (c *checker) holdsPrivateKey(name string, data []byte) bool {
	if !bytes.Contains(data, []byte("PRIVATE KEY")) {
		return false
	}
	c.addf("tls.cert", "%s holds a private key; the certificate file is copied to auth/domain.crt, which everyone may read: keep only its CERTIFICATE blocks there and put the key in its own file, named by tls.key", printable(name))
	return true
}

type equaler interface{ Equal(crypto.PublicKey) bool }

// checkPair checks that the key is the first certificate's and that the
// certificate names the domain.
func (c *checker) checkPair(s *Spec, chain []*x509.Certificate, pub crypto.PublicKey) {
	leaf := chain[0]
	if eq, ok := pub.(equaler); !ok || !eq.Equal(leaf.PublicKey) {
		for i, other := range chain[1:] {
			if ok && eq.Equal(other.PublicKey) {
				c.addf("tls.cert", "the key belongs to certificate %d in the file, not to the first: the server's own certificate must come first, then its chain", i+2)
				return
			}
		}
		c.addf("tls.key", "the key does not belong to the certificate")
	}
	// An invalid domain has its own error; the certificate cannot name it.
	if isHostname(s.Domain) && leaf.VerifyHostname(s.Domain) != nil {
		c.addf("tls.cert", "%s", nameMismatch(s, leaf))
	}
}

// nameMismatch explains why a certificate does not fit the domain, with
// the fix for the common case of a name only in the Common Name (which
// Go, docker and OpenSSL clients ignore).
func nameMismatch(s *Spec, cert *x509.Certificate) string {
	san := "DNS:" + s.Domain
	if net.ParseIP(s.Domain) != nil {
		san = "IP:" + s.Domain
	}
	if len(cert.DNSNames) == 0 && len(cert.IPAddresses) == 0 {
		return fmt.Sprintf("the certificate has no subjectAltName (only the Common Name %s), and clients (Go, docker, OpenSSL) match %s only against subjectAltNames: make one that has it, e.g. openssl req -x509 -key %s -subj /CN=%s -addext \"subjectAltName=%s\" -days 825 -out %s",
			printable(cert.Subject.CommonName), printable(s.Domain), printable(s.TLS.Key), s.Domain, san, printable(s.TLS.Cert))
	}
	names := append([]string{}, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	return fmt.Sprintf("the certificate does not name %s: its subjectAltNames are %q (it needs %s)", printable(s.Domain), names, san)
}
