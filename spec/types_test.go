package spec

import (
	"strings"
	"testing"
)

// TestTypeErrors proves a value of the wrong type is refused with its field
// path, line and the expected type in YAML words, never the YAML library's
// Go names, and that numbers and booleans are not bent (5043.5 is not
// 5043, "yes" is not true).
func TestTypeErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"fraction", with("port", "port: 5043.5"), "regsetup.yaml:6: port: want a whole number, got the number 5043.5"},
		{"exponent", with("port", "port: 1e3"), "regsetup.yaml:6: port: want a whole number, got the number 1e3"},
		{"quoted number", with("port", `port: "5043"`), `port: want a whole number, got the text "5043" (quoted, so it is text)`},
		{"word", with("port", "port: abc"), "port: want a whole number, got the text abc"},
		{"quoted boolean", with("tls:", `tls: {generate: "yes"}`), `regsetup.yaml:2: tls.generate: want true or false, got the text "yes"`},
		{"yaml 1.1 boolean", with("tls:", `tls: {generate: on}`), `tls.generate: want true or false, got the text on`},
		{"quoted true", with("tls:", `tls: {generate: "true"}`), `tls.generate: want true or false`},
		{"list for a mapping", with("tls:", "tls: [a.crt]"), "regsetup.yaml:2: tls: want a mapping (field: value lines), got a list"},
		{"text for a list", "domain: d.example\ntls: {generate: true}\nusers: alice\n", "regsetup.yaml:3: users: want a list (one \"- \" item a line, or [a, b]), got the text alice"},
		{"list for text", with("domain", "domain: [a, b]"), "regsetup.yaml:1: domain: want text, got a list"},
		{"number for principals", with("access", "access: {push: 5}"), `access.push: want "authenticated" or a list of groups and users, got the whole number 5`},
		{"cache fraction", with("auth_cache", "auth_cache: 1.5"), "auth_cache: want a whole number"},
		{"groups as a list", with("groups", "groups: [a]"), "groups: want a mapping of group names to lists of users, got a list"},
		{"group members as text", with("groups", "groups: {g: alice}"), "groups.g: want a list"},
		{"nested unknown field", with("  - {name", "  - {name: alice, pasword: pw}"), "regsetup.yaml:4: users[0].pasword: unknown field; did you mean password?"},
		{"allow_slow_bcrypt as text", with("allow", `allow_slow_bcrypt: "yes"`), "allow_slow_bcrypt: want true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadErr(t, writeSpec(t, tt.doc, nil), Options{})
			if !strings.Contains(got, tt.want) {
				t.Errorf("error\n%s\nwant it to contain\n%s", got, tt.want)
			}
			for _, goWord := range []string{"!!", "unmarshal", "spec.", "[]", " int", " bool", "string"} {
				if strings.Contains(got, goWord) {
					t.Errorf("error %q uses the Go or YAML-library word %q", got, goWord)
				}
			}
		})
	}
}

// TestTypesThatFit proves the type check refuses nothing valid: YAML's own
// forms of a number, a boolean, null and anchors.
func TestTypesThatFit(t *testing.T) {
	for _, doc := range []string{
		baseSpec,
		with("port", "port: 0x13b3"),
		with("tls:", "tls: {generate: True}"),
		with("server_admin", "server_admin: ~"),
		with("access", "access: {push: &who [alice], pull: *who}"),
		with("  - {name", "  - {name: alice, password: 123}"),
	} {
		if got := loadErr(t, writeSpec(t, doc, nil), Options{}); got != "" {
			t.Errorf("spec\n%s\nrefused: %s", doc, got)
		}
	}
}

// TestTabIndentation proves tabs in indentation get a message that says
// so, with the line.
func TestTabIndentation(t *testing.T) {
	doc := baseSpec + "registry:\n\timage: registry:2\n"
	got := loadErr(t, writeSpec(t, doc, nil), Options{})
	if want := "regsetup.yaml:7: tabs are not allowed in YAML indentation: indent with spaces"; !strings.Contains(got, want) {
		t.Errorf("error %q, want %q", got, want)
	}
	// A tab inside a value is no indentation and no error.
	if got := loadErr(t, writeSpec(t, with("server_admin", "server_admin:\tyou@example.com"), nil), Options{}); got != "" {
		t.Errorf("a tab after the colon was refused: %s", got)
	}
}

// TestMissingSpec proves a missing spec says how to make one.
func TestMissingSpec(t *testing.T) {
	_, err := Load(t.TempDir()+"/regsetup.yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "regsetup example > regsetup.yaml") {
		t.Errorf("Load of a missing spec: %v, want the hint `regsetup example > regsetup.yaml`", err)
	}
}

// TestAliasesWalkedOnce proves nested aliases (a "billion laughs" spec)
// and an alias inside its own anchor end quickly in an error, not in an
// exponential walk or a stack overflow.
func TestAliasesWalkedOnce(t *testing.T) {
	laughs := "groups:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		alias := "*" + string(i-1)
		laughs += "  " + string(i) + ": &" + string(i) + " [" + strings.Repeat(alias+", ", 9) + alias + "]\n"
	}
	for name, doc := range map[string]string{
		"laughs":    with("groups", laughs),
		"recursive": with("groups", "groups: &g {g: *g}"),
	} {
		t.Run(name, func(t *testing.T) {
			if got := loadErr(t, writeSpec(t, doc, nil), Options{}); got == "" {
				t.Error("accepted")
			}
		})
	}
}
