package app

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/spec"
)

// TestGeneratedCertificateForAnIP runs init twice on a spec whose domain is
// an IP address with tls.generate: the certificate verifies for the
// address, the second run keeps it (and everything else), and a check
// finds no drift.
func TestGeneratedCertificateForAnIP(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "regsetup.yaml")
	doc := "domain: 10.0.0.7\ntls: {generate: true}\nusers:\n  - {name: alice, password: pw}\naccess: {push: [alice]}\n"
	if err := os.WriteFile(specFile, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	o := InitOptions{
		Paths: Paths{Spec: specFile, Out: filepath.Join(dir, "out")},
		Spec:  spec.Options{Now: clock},
		Gen:   generator.Options{Now: clock, Workers: 1},
	}
	if _, err := Init(o); err != nil {
		t.Fatalf("first init: %v", err)
	}
	certPEM, err := os.ReadFile(filepath.Join(o.Out, filepath.FromSlash(generator.Cert)))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("auth/domain.crt holds no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "10.0.0.7", Roots: pool, CurrentTime: now}); err != nil {
		t.Errorf("the generated certificate does not verify for 10.0.0.7: %v", err)
	}
	now = now.Add(24 * time.Hour)
	res, err := Init(o)
	if err != nil {
		t.Fatalf("second init: %v", err)
	}
	for _, c := range res.Changes {
		if c.Action != outdir.Unchanged {
			t.Errorf("second init: %s %s, want unchanged", c.Path, c.Action)
		}
	}
	o.Check = true
	if _, err := Init(o); errors.Is(err, ErrDrift) || err != nil {
		t.Errorf("init --check after init: %v, want no drift", err)
	}
}
