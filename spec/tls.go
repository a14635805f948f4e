package spec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"

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
	cert, ok := c.parseCert(certPEM)
	key, okKey := c.parseKey(keyPEM)
	if ok && okKey {
		c.checkPair(s.Domain, cert, key)
	}
	return model.TLS{CertPEM: certPEM, KeyPEM: model.Secret(keyPEM)}
}

func (c *checker) readFile(field, name string) []byte {
	path, ok := c.path(field, name)
	if !ok {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		c.addf(field, "reading %s: %v", printable(name), err)
		return nil
	}
	return data
}

func (c *checker) parseCert(data []byte) (*x509.Certificate, bool) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		c.addf("tls.cert", "not a PEM certificate")
		return nil, false
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		c.addf("tls.cert", "parsing the certificate: %v", err)
		return nil, false
	}
	now := c.opts.Now()
	if now.After(cert.NotAfter) {
		c.addf("tls.cert", "the certificate expired on %s", cert.NotAfter.UTC().Format("2006-01-02"))
	}
	if now.Before(cert.NotBefore) {
		c.addf("tls.cert", "the certificate is not valid before %s", cert.NotBefore.UTC().Format("2006-01-02"))
	}
	return cert, true
}

// parseKey never quotes the key in an error.
func (c *checker) parseKey(data []byte) (crypto.PublicKey, bool) {
	block, _ := pem.Decode(data)
	if block == nil {
		c.addf("tls.key", "not a PEM private key")
		return nil, false
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		c.addf("tls.key", "PEM block %q is not a private key", block.Type)
		return nil, false
	}
	if err != nil {
		c.addf("tls.key", "the private key does not parse (%T)", err)
		return nil, false
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		c.addf("tls.key", "unsupported private key type %T", key)
		return nil, false
	}
	return signer.Public(), true
}

type equaler interface{ Equal(crypto.PublicKey) bool }

func (c *checker) checkPair(domain string, cert *x509.Certificate, pub crypto.PublicKey) {
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		c.addf("tls.key", "unsupported key type %T", pub)
		return
	}
	if eq, ok := pub.(equaler); !ok || !eq.Equal(cert.PublicKey) {
		c.addf("tls.key", "the key does not belong to the certificate")
	}
	// An invalid domain has its own error; the certificate cannot name it.
	if isHostname(domain) && cert.VerifyHostname(domain) != nil {
		c.addf("tls.cert", "the certificate does not name %s (it names %v)", printable(domain), append(cert.DNSNames, cert.Subject.CommonName))
	}
}
