package spec

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
)

// parseCerts reads every certificate in the file, the server's first.
func (c *checker) parseCerts(name string, data []byte) ([]*x509.Certificate, bool) {
	var chain []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue // e.g. DH PARAMETERS, which Apache reads from this file too
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			c.addf("tls.cert", "certificate %d in the file does not parse: %v", len(chain)+1, err)
			return nil, false
		}
		chain = append(chain, cert)
	}
	if len(chain) == 0 {
		if _, err := x509.ParseCertificate(data); err == nil {
			c.addf("tls.cert", "the certificate is DER, not PEM: convert it with openssl x509 -inform der -in %s -out domain.crt", printable(name))
		} else {
			c.addf("tls.cert", "not a PEM certificate")
		}
		return nil, false
	}
	c.checkLeaf(chain[0])
	return chain, true
}

// checkLeaf refuses a server certificate that parses but that Apache or
// the clients would refuse.
func (c *checker) checkLeaf(cert *x509.Certificate) {
	now := c.opts.Now()
	if now.After(cert.NotAfter) {
		c.addf("tls.cert", "the certificate expired on %s", cert.NotAfter.UTC().Format("2006-01-02"))
	}
	if now.Before(cert.NotBefore) {
		c.addf("tls.cert", "the certificate is not valid before %s", cert.NotBefore.UTC().Format("2006-01-02"))
	}
	if len(cert.ExtKeyUsage) > 0 || len(cert.UnknownExtKeyUsage) > 0 {
		if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageAny) {
			c.addf("tls.cert", "the certificate's extended key usage does not include serverAuth (TLS Web Server Authentication), so clients refuse it for a server")
		}
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		c.addf("tls.cert", "the certificate's key usage lacks digitalSignature, which a TLS server needs to sign the handshake (TLS 1.3, and every ECDSA key)")
	}
	if weakSignature(cert) {
		c.addf("tls.cert", "the certificate is signed with %s, which Go clients (docker) and OpenSSL 3 refuse: have it signed with SHA-256 or better", cert.SignatureAlgorithm)
	}
}

// weakSignature: a SHA-1 or MD5 signature by an issuer. A self-signed
// certificate trusted as its own CA is not checked for its signature.
func weakSignature(cert *x509.Certificate) bool {
	if string(cert.RawIssuer) == string(cert.RawSubject) {
		return false
	}
	alg := cert.SignatureAlgorithm.String()
	return strings.Contains(alg, "SHA1") || strings.Contains(alg, "MD5") || strings.Contains(alg, "MD2")
}
