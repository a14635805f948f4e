package spec

import (
	"strings"
	"testing"
)

// TestSlowBcryptNeedsConsent proves costs (and ready hashes) above
// MaxBcryptCost are refused, saying how long a check takes, unless the spec
// sets allow_slow_bcrypt.
func TestSlowBcryptNeedsConsent(t *testing.T) {
	hash31 := "$2y$31$" + strings.Repeat("a", 53)
	hash14 := "$2y$14$" + strings.Repeat("a", 53)
	user := func(h string) string { return with("  - {name", `  - {name: alice, bcrypt: "`+h+`"}`) }
	tests := []struct{ name, doc, want string }{
		{"default", baseSpec, ""},
		{"14", with("bcrypt_cost", "bcrypt_cost: 14"), ""},
		{"15", with("bcrypt_cost", "bcrypt_cost: 15"), "bcrypt_cost: each password check would take about 2 seconds"},
		{"31", with("bcrypt_cost", "bcrypt_cost: 31"), "about 37 hours"},
		{"31 allowed", with("bcrypt_cost", "bcrypt_cost: 31\nallow_slow_bcrypt: true"), ""},
		{"32 allowed", with("bcrypt_cost", "bcrypt_cost: 32\nallow_slow_bcrypt: true"), "bcrypt_cost: 32 is out of range 4-31"},
		{"hash 14", user(hash14), ""},
		{"hash 31", user(hash31), "users[0].bcrypt: the hash's cost is 31: each password check would take about 37 hours"},
		{"hash 31 allowed", user(hash31) + "allow_slow_bcrypt: true\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadErr(t, writeSpec(t, tt.doc, nil), Options{})
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "aaaa") {
				t.Errorf("error quotes the hash: %s", got)
			}
		})
	}
}
