package generator

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

func TestGenerateCertificate(t *testing.T) {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	certPEM, keyPEM, err := GenerateCertificate("myregistrydomain.com", now)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("key is %T, want ECDSA", cert.PublicKey)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "myregistrydomain.com", Roots: pool, CurrentTime: now}); err != nil {
		t.Errorf("the certificate does not verify as its own CA for the domain: %v", err)
	}
	for _, tc := range []struct {
		name   string
		domain string
		at     time.Time
		keep   bool
	}{
		{"fresh", "myregistrydomain.com", now, true},
		{"other domain", "other.example.com", now, false},
		{"about to expire", "myregistrydomain.com", now.Add(CertValidity - 24*time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := KeepCertificate(certPEM, keyPEM, tc.domain, tc.at); got != tc.keep {
				t.Errorf("KeepCertificate = %v, want %v", got, tc.keep)
			}
		})
	}
	other, otherKey, _ := GenerateCertificate("myregistrydomain.com", now)
	if KeepCertificate(certPEM, otherKey, "myregistrydomain.com", now) || KeepCertificate(other, nil, "myregistrydomain.com", now) {
		t.Error("a certificate with a foreign or missing key must not be kept")
	}
}
