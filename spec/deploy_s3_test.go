package spec

import (
	"strings"
	"testing"
)

// pastedSecret is an S3 secret key pasted by mistake where the spec wants
// the name of its variable or file: every character is one an environment
// variable name or a file name may hold, so only the field's policy keeps
// it out of the message.
const pastedSecret = "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY"

// TestS3SecretKeyNeverQuoted: whatever is wrong with secret_key_env or
// secret_key_file, the error names the field and never prints its value;
// a type error says what kind of value it is, not the value.
func TestS3SecretKeyNeverQuoted(t *testing.T) {
	const s3 = "storage:\n  driver: s3\n  s3:\n    bucket: registry\n    access_key_env: A\n"
	tests := []struct {
		name, field string
		want        string
	}{
		{"env unset", "secret_key_env: " + pastedSecret, "storage.s3.secret_key_env: the environment variable it names is not set or empty"},
		{"env not a name", "secret_key_env: \"" + pastedSecret + "/+\"", "storage.s3.secret_key_env: not an environment variable name"},
		{"env a number", "secret_key_env: 12345678901234567890" + pastedSecret[:0], "storage.s3.secret_key_env:"},
		{"file missing", "secret_key_file: " + pastedSecret, "storage.s3.secret_key_file:"},
		{"file outside", "secret_key_file: ../" + pastedSecret, "storage.s3.secret_key_file:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) (string, bool) { return "key-" + k, k == "A" }
			got := loadErr(t, writeSpec(t, baseSpec+s3+"    "+tt.field+"\n", nil), Options{LookupEnv: env})
			if !strings.Contains(got, tt.want) {
				t.Errorf("error %q\nwant it to contain %q", got, tt.want)
			}
			for _, leak := range []string{pastedSecret, "EXAMPLEKEY", "12345678901234567890"} {
				if strings.Contains(got, leak) {
					t.Errorf("the error prints the value of a secret field (%q): %s", leak, got)
				}
			}
		})
	}
}

// TestS3SecretKeyRead: the secret key comes from the variable or the file
// (one trailing line break dropped), and a key with an inner line break is
// refused without being printed.
func TestS3SecretKeyRead(t *testing.T) {
	const s3 = "storage:\n  driver: s3\n  s3:\n    bucket: registry\n    endpoint: https://127.0.0.1:8333\n    access_key_file: access.key\n"
	env := func(k string) (string, bool) { return map[string]string{"SK": "from-env"}[k], k == "SK" }
	files := map[string][]byte{"access.key": []byte("AKIAEXAMPLE\n"), "secret.key": []byte("from-file\n"), "two.key": []byte("line1\nline2\n")}
	for _, tt := range []struct{ field, want string }{
		{"secret_key_env: SK", "from-env"},
		{"secret_key_file: secret.key", "from-file"},
	} {
		p := writeSpec(t, baseSpec+s3+"    "+tt.field+"\n", files)
		m, err := Load(p, Options{LookupEnv: env})
		if err != nil {
			t.Fatalf("%s: %v", tt.field, err)
		}
		if got := m.Storage.S3.SecretKey.Reveal(); got != tt.want {
			t.Errorf("%s: secret key %q, want %q", tt.field, got, tt.want)
		}
		if got := m.Storage.S3.AccessKey.Reveal(); got != "AKIAEXAMPLE" {
			t.Errorf("access key %q, want AKIAEXAMPLE", got)
		}
		if m.Storage.S3.Endpoint != "https://127.0.0.1:8333" {
			t.Errorf("endpoint %q", m.Storage.S3.Endpoint)
		}
	}
	got := loadErr(t, writeSpec(t, baseSpec+s3+"    secret_key_file: two.key\n", files), Options{LookupEnv: env})
	if !strings.Contains(got, "storage.s3.secret_key_file: the secret contains a NUL or a line break") || strings.Contains(got, "line1") {
		t.Errorf("a two-line key: error %q", got)
	}
}
