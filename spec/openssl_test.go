package spec

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/testenv"
)

// TestKeysAndCertificatesFromOpenSSL makes keys and certificates the ways
// people do, with the real openssl, and checks what the spec says of each:
// valid ones load (the key copied byte for byte), and each broken one gets
// the error that explains it.
func TestKeysAndCertificatesFromOpenSSL(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	const d = "myregistrydomain.com"
	req := `openssl req -x509 -key domain.key -days 30 -out domain.crt -subj /CN=` + d
	san := ` -addext subjectAltName=DNS:` + d
	tests := []struct {
		name, domain, script, want string
	}{
		{"ecparam -genkey (EC PARAMETERS first)", d, `openssl ecparam -name prime256v1 -genkey -out domain.key && ` + req + san, ""},
		{"ecparam -genkey -noout", d, `openssl ecparam -name secp384r1 -genkey -noout -out domain.key && ` + req + san, ""},
		{"genrsa 2048", d, `openssl genrsa -out domain.key 2048 && ` + req + san, ""},
		{"genpkey ed25519", d, `openssl genpkey -algorithm ed25519 -out domain.key && ` + req + san, ""},
		{"IP subjectAltName", "10.0.0.7", `openssl ecparam -name prime256v1 -genkey -out domain.key && openssl req -x509 -key domain.key -days 30 -out domain.crt -subj /CN=10.0.0.7 -addext subjectAltName=IP:10.0.0.7`, ""},
		{"genrsa 1024", d, `openssl genrsa -out domain.key 1024 && ` + req + san, "tls.key: the RSA key has 1024 bits"},
		{"CN only", d, `openssl ecparam -name prime256v1 -genkey -out domain.key && ` + req, `tls.cert: the certificate has no subjectAltName (only the Common Name "myregistrydomain.com")`},
		{"CN only, the fix it gives", d, `openssl ecparam -name prime256v1 -genkey -out domain.key && ` + req, `-addext "subjectAltName=DNS:myregistrydomain.com"`},
		{"an IP as a DNS name", "10.0.0.7", `openssl ecparam -name prime256v1 -genkey -out domain.key && openssl req -x509 -key domain.key -days 30 -out domain.crt -subj /CN=10.0.0.7 -addext subjectAltName=DNS:10.0.0.7`, "(it needs IP:10.0.0.7)"},
		{"client certificate", d, `openssl ecparam -name prime256v1 -genkey -out domain.key && ` + req + san + ` -addext extendedKeyUsage=clientAuth`, "does not include serverAuth"},
		{"key usage without digitalSignature", d, `openssl genrsa -out domain.key 2048 && ` + req + san + ` -addext keyUsage=keyEncipherment`, "lacks digitalSignature"},
		{"cat cert key > server.pem", d, `openssl ecparam -name prime256v1 -genkey -out domain.key && ` + req + san + ` && cat domain.key >> domain.crt`, `tls.cert: "domain.crt" holds a private key`},
		{"a damaged key in the cert file", d, `openssl ecparam -name prime256v1 -genkey -out domain.key && ` + req + san + ` && sed 's/^M/#/' domain.key >> domain.crt`, `tls.cert: "domain.crt" holds a private key`},
		{"encrypted key", d, `openssl ecparam -name prime256v1 -genkey -noout -out plain.key && openssl pkey -in plain.key -aes256 -passout pass:x -out domain.key && openssl req -x509 -key plain.key -days 30 -out domain.crt -subj /CN=` + d + san, "tls.key: the key is encrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command("sh", "-ec", strings.ReplaceAll(tt.script, "openssl ", openssl+" "))
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", tt.script, err, out)
			}
			doc := "domain: " + tt.domain + "\ntls: {cert: domain.crt, key: domain.key}\nusers:\n  - {name: alice, password: pw}\naccess: {push: [alice]}\n"
			p := filepath.Join(dir, "regsetup.yaml")
			if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := Load(p, Options{})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
				key, _ := os.ReadFile(filepath.Join(dir, "domain.key"))
				if m.TLS.KeyPEM.Reveal() != string(key) {
					t.Error("the key is not kept byte for byte")
				}
			case err == nil:
				t.Fatalf("accepted; want an error with %q", tt.want)
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "PRIVATE KEY-----") {
				t.Errorf("error quotes the key: %v", err)
			}
		})
	}
}
