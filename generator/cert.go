package generator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"time"
)

// CertValidity is how long a generated certificate lasts.
const CertValidity = 825 * 24 * time.Hour

// renewBefore: a kept certificate must still be valid this long.
const renewBefore = 30 * 24 * time.Hour

// GenerateCertificate makes a self-signed ECDSA P-256 certificate for
// domain (its own CA, so Docker can trust it as certs.d/HOST:PORT/ca.crt)
// and its PKCS#8 key, both PEM. An IP address gets an IP subjectAltName
// (clients match IPs only against those), a name a DNS one. Randomness
// comes from crypto/rand.
func GenerateCertificate(domain string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: domain, Organization: []string{"regsetup"}},
		NotBefore:             now.Add(-time.Hour).UTC().Truncate(time.Second),
		NotAfter:              now.Add(CertValidity).UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if ip := net.ParseIP(domain); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{domain}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// KeepCertificate reports whether an earlier generated pair still fits:
// it parses, the key matches, it names domain and stays valid for a while.
func KeepCertificate(certPEM, keyPEM []byte, domain string, now time.Time) bool {
	if certPEM == nil || keyPEM == nil {
		return false
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return false
	}
	cert := pair.Leaf
	if cert == nil {
		if cert, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return false
		}
	}
	return cert.VerifyHostname(domain) == nil && now.After(cert.NotBefore) && now.Add(renewBefore).Before(cert.NotAfter)
}
