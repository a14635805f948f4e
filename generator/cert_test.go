package generator

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// TestGenerateCertificate proves a generated certificate verifies as its
// own CA for its domain (a name gets a DNS subjectAltName, an IP address an
// IP one, as Go, docker and OpenSSL require) and is kept while it fits.
func TestGenerateCertificate(t *testing.T) {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for _, domain := range []string{"myregistrydomain.com", "10.0.0.7", "127.0.0.1"} {
		t.Run(domain, func(t *testing.T) {
			certPEM, keyPEM, err := GenerateCertificate(domain, now)
			if err != nil {
				t.Fatal(err)
			}
			cert := parseCert(t, certPEM)
			if _, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok {
				t.Errorf("key is %T, want ECDSA", cert.PublicKey)
			}
			if ip := net.ParseIP(domain); ip != nil {
				if len(cert.IPAddresses) != 1 || !cert.IPAddresses[0].Equal(ip) || len(cert.DNSNames) != 0 {
					t.Errorf("SANs: IP %v, DNS %q; want only IP %s", cert.IPAddresses, cert.DNSNames, domain)
				}
			}
			pool := x509.NewCertPool()
			pool.AddCert(cert)
			if _, err := cert.Verify(x509.VerifyOptions{DNSName: domain, Roots: pool, CurrentTime: now}); err != nil {
				t.Errorf("the certificate does not verify as its own CA for %s: %v", domain, err)
			}
			for _, tc := range []struct {
				name   string
				domain string
				at     time.Time
				keep   bool
			}{
				{"fresh", domain, now, true},
				{"other domain", "other.example.com", now, false},
				{"other IP", "10.9.9.9", now, false},
				{"about to expire", domain, now.Add(CertValidity - 24*time.Hour), false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if got := KeepCertificate(certPEM, keyPEM, tc.domain, tc.at); got != tc.keep {
						t.Errorf("KeepCertificate = %v, want %v", got, tc.keep)
					}
				})
			}
			other, otherKey, _ := GenerateCertificate(domain, now)
			if KeepCertificate(certPEM, otherKey, domain, now) || KeepCertificate(other, nil, domain, now) {
				t.Error("a certificate with a foreign or missing key must not be kept")
			}
		})
	}
}

// TestGeneratedCertificateOpenSSL asks the real openssl whether the
// generated certificate is valid for its name or address, as a client
// linked with OpenSSL decides.
func TestGeneratedCertificateOpenSSL(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	for _, tc := range []struct{ domain, flag string }{
		{"myregistrydomain.com", "-verify_hostname"},
		{"10.0.0.7", "-verify_ip"},
	} {
		t.Run(tc.domain, func(t *testing.T) {
			certPEM, _, err := GenerateCertificate(tc.domain, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "domain.crt")
			if err := os.WriteFile(f, certPEM, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(openssl, "verify", "-CAfile", f, tc.flag, tc.domain, f).CombinedOutput()
			if err != nil {
				t.Errorf("openssl verify %s %s: %v\n%s", tc.flag, tc.domain, err, out)
			}
			// The negative case: the same check fails for another name.
			wrong := map[string]string{"-verify_hostname": "other.example.com", "-verify_ip": "10.9.9.9"}[tc.flag]
			if out, err := exec.Command(openssl, "verify", "-CAfile", f, tc.flag, wrong, f).CombinedOutput(); err == nil {
				t.Errorf("openssl verify %s %s passed for a certificate made for %s:\n%s", tc.flag, wrong, tc.domain, out)
			}
		})
	}
}

func parseCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
