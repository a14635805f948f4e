package e2e

import (
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
)

// otherCert is a valid certificate for the domain that did not sign the
// stack's certificate.
func otherCert(t *testing.T) []byte {
	t.Helper()
	cert, _, err := generator.GenerateCertificate("myregistrydomain.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
