package spec

import (
	"strings"
	"testing"
)

// pasted is a password put where a name belongs.
const pasted = "Sup3r-S3cret!"

// TestSecretFieldsNeverQuoted puts a password into each secret field, in
// each way that ends in an error, and proves no part of it (no 4
// characters in a row) appears in the error, which still names the field
// and line.
func TestSecretFieldsNeverQuoted(t *testing.T) {
	user := func(fields string) string { return with("  - {name", "  - {name: alice, "+fields+"}") }
	tests := []struct{ name, doc, field string }{
		{"password_env not a name", user(`password_env: "` + pasted + `"`), "users[0].password_env"},
		{"password_env unset", user(`password_env: Sup3rS3cret`), "users[0].password_env"},
		{"password_file missing", user(`password_file: "` + pasted + `"`), "users[0].password_file"},
		{"password_file absolute", user(`password_file: "/nonexistent/` + pasted + `"`), "users[0].password_file"},
		{"password_file outside", user(`password_file: "../` + pasted + `"`), "users[0].password_file"},
		{"bcrypt", user(`bcrypt: "` + pasted + `"`), "users[0].bcrypt"},
		{"password too long", user(`password: "` + strings.Repeat(pasted, 6) + `"`), "users[0].password"},
		{"password with NUL", user(`password: "` + pasted + `\0"`), "users[0].password"},
		{"password a list", user(`password: ["` + pasted + `"]`), "users[0].password"},
		{"password_env a mapping", user(`password_env: {"` + pasted + `": 1}`), "users[0].password_env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeSpec(t, tt.doc, nil)
			// The test's own folder name is no part of the output.
			got := strings.ReplaceAll(loadErr(t, p, Options{}), p, "regsetup.yaml")
			if !strings.HasPrefix(got, "regsetup.yaml:4: "+tt.field+": ") {
				t.Errorf("error %q does not name %s at line 4", got, tt.field)
			}
			for i := 0; i+4 <= len(pasted); i++ {
				if part := pasted[i : i+4]; strings.Contains(got, part) {
					t.Errorf("error %q quotes %q, part of the value of a secret field", got, part)
					break
				}
			}
		})
	}
}
