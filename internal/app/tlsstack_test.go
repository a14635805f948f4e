package app

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/spec"
)

// TestRealApacheServesTheCertificate renders a spec and runs the real
// Apache on it, for the two certificates this package used to get wrong:
// one generated for an IP address (IP subjectAltName), and a key made by
// `openssl ecparam -genkey` (an EC PARAMETERS block before the key). Apache
// must start with the key, and both Go and `openssl s_client` must verify
// the server for the domain with the certificate as the only trust.
func TestRealApacheServesTheCertificate(t *testing.T) {
	stacktest.Require(t)
	openssl := testenv.Tool(t, "openssl")
	tests := []struct {
		name, domain, tls, script, verify string
	}{
		{"generated for an IP", "127.0.0.1", "{generate: true}", "", "-verify_ip"},
		{"ecparam key", "myregistrydomain.com", "{cert: domain.crt, key: domain.key}",
			openssl + " ecparam -name prime256v1 -genkey -out domain.key && " + openssl + " req -x509 -key domain.key -days 30 -out domain.crt -subj /CN=myregistrydomain.com -addext subjectAltName=DNS:myregistrydomain.com",
			"-verify_hostname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.script != "" {
				cmd := exec.Command("sh", "-ec", tt.script)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
			}
			port := freePort(t)
			doc := fmt.Sprintf("domain: %s\nport: %d\ntls: %s\nusers:\n  - {name: alice, password: pw}\naccess: {push: [alice]}\n", tt.domain, port, tt.tls)
			specFile := filepath.Join(dir, "regsetup.yaml")
			if err := os.WriteFile(specFile, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if _, err := Init(InitOptions{Paths: Paths{Spec: specFile, Out: out}, Spec: spec.Options{}, Gen: generator.Options{Workers: 1}}); err != nil {
				t.Fatalf("init: %v", err)
			}
			s := stacktest.Start(t, out, stacktest.Options{})
			ca := filepath.Join(out, filepath.FromSlash(generator.Cert))
			checkGoTLS(t, s.Addr, tt.domain, ca)
			cmd := exec.Command(openssl, "s_client", "-connect", s.Addr, "-servername", "myregistrydomain.com",
				"-CAfile", ca, tt.verify, tt.domain, "-verify_return_error", "-brief")
			cmd.Stdin = strings.NewReader("")
			got, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(got), "Verification: OK") {
				t.Errorf("openssl s_client %s %s: %v\n%s", tt.verify, tt.domain, err, got)
			}
		})
	}
}

// checkGoTLS dials addr as a Go client (docker is one) that trusts only
// the certificate in caFile, for domain, and fails for another name.
func checkGoTLS(t *testing.T, addr, domain, caFile string) {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	for name, want := range map[string]bool{domain: true, "other.example.com": false} {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: name})
		if err == nil {
			conn.Close()
		}
		if (err == nil) != want {
			t.Errorf("Go TLS to %s as %s: %v, want success %v", addr, name, err, want)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
