package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/model"
)

const ldapSpecText = `domain: myregistrydomain.com
tls: {generate: true}
users:
  - {name: ci-robot, password: robot}
groups: {robots: [ci-robot]}
auth:
  backend: ldap
  ldap:
    servers: [dc1.corp.example, dc2.corp.example]
    base_dn: OU=Corp Users,DC=corp,DC=example
    bind_dn: CN=svc-registry,OU=Service Accounts,DC=corp,DC=example
    bind_password_env: SVC_PW
    user_filter: (department=IT)
    require_group: registry-users
    groups:
      registry-users: CN=registry-users,OU=Groups,DC=corp,DC=example
      emea: 'CN=Pushers\, EMEA,OU=Groups,DC=corp,DC=example'
access:
  pull: authenticated
  push: [emea, robots]
`

func parseLDAP(t *testing.T, text string) (*model.Model, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "regsetup.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "SVC_PW" {
			return "svc secret", true
		}
		return "", false
	}
	return Parse(path, []byte(text), Options{LookupEnv: env})
}

// TestLDAPSpec: the AD preset's defaults, the combined filter, the
// bind password, and "authenticated" with require_group meaning the local
// users and the group's members.
func TestLDAPSpec(t *testing.T) {
	m, err := parseLDAP(t, ldapSpecText)
	if err != nil {
		t.Fatal(err)
	}
	l := m.LDAP
	if l == nil || l.Directory != model.DirectoryAD || l.TLS != model.TLSStartTLS || l.Port != 389 || l.UserAttribute != "sAMAccountName" ||
		l.NestedGroups != 10 || l.Timeout != 4 || l.BindPassword.Reveal() != "svc secret" || strings.Join(l.SubGroupClass, " ") != "group" {
		t.Fatalf("defaults: %+v", l)
	}
	if want := "(&(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))(department=IT))"; l.Filter != want {
		t.Errorf("filter %q, want %q", l.Filter, want)
	}
	pull := m.Access.Pull
	if pull.Authenticated || strings.Join(pull.Users, ",") != "ci-robot" || len(pull.DirGroups) != 1 || pull.DirGroups[0].Name != "registry-users" {
		t.Errorf("pull: authenticated with require_group = %+v", pull)
	}
	push := m.Access.Push
	if len(push.DirGroups) != 1 || push.DirGroups[0].DN != `CN=Pushers\, EMEA,OU=Groups,DC=corp,DC=example` || strings.Join(push.Groups, ",") != "robots" {
		t.Errorf("push = %+v", push)
	}
	if len(m.Warnings) != 0 {
		t.Errorf("unexpected warnings: %q", m.Warnings)
	}
}

// TestLDAPSpecWarnings: "authenticated" without require_group and ldaps
// each warn once, located.
func TestLDAPSpecWarnings(t *testing.T) {
	text := strings.Replace(ldapSpecText, "    require_group: registry-users\n", "    tls: ldaps\n", 1)
	text = strings.Replace(text, "  push: [emea, robots]", "  push: authenticated", 1)
	m, err := parseLDAP(t, text)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(m.Warnings, "\n")
	if len(m.Warnings) != 2 || !strings.Contains(got, "regsetup.yaml:14: auth.ldap.tls: with ldaps") || !strings.Contains(got, "access.pull: \"authenticated\" with auth.backend: ldap and no auth.ldap.require_group") {
		t.Errorf("warnings:\n%s", got)
	}
	if m.LDAP.Port != 636 {
		t.Errorf("ldaps port %d, want 636", m.LDAP.Port)
	}
}

func TestDNProblem(t *testing.T) {
	for _, dn := range []string{
		"DC=corp,DC=example",
		"OU=Service Accounts,DC=corp,DC=example",
		`CN=Smith\, Dave,OU=Users,DC=corp,DC=example`,
		`CN=a\2Cb+UID=x,DC=x`,
		"cn=Ärger,dc=example,dc=org",
		"2.5.4.3=x,dc=y",
	} {
		if p := dnProblem(dn); p != "" {
			t.Errorf("dnProblem(%q) = %q, want none", dn, p)
		}
	}
	for dn, want := range map[string]string{
		"":                          "empty",
		"CN=x\nRequire all granted": "control character",
		`CN=x" "y,DC=z`:             `'"'`,
		"CN=<x>,DC=z":               `'"', '<' or '>'`,
		"CN=%{REMOTE_USER},DC=z":    "variable",
		"CN=${HOME},DC=z":           "variable",
		`CN=x,DC=z\`:                "lone",
		"registry-users":            "not attribute=value",
		"CN=x,,DC=z":                "not attribute=value",
		"# CN=x":                    "not attribute=value",
		" CN=x":                     "space",
		"CN=x,DC=y\x00":             "control",
		"CN=x\xff":                  "UTF-8",
		"CN=a,1x=b":                 "not attribute=value",
	} {
		if p := dnProblem(dn); !strings.Contains(p, want) {
			t.Errorf("dnProblem(%q) = %q, want it to mention %q", dn, p, want)
		}
	}
}

func TestFilterProblem(t *testing.T) {
	for f, want := range map[string]string{
		"(objectClass=user)": "",
		`(cn=a\29b)`:         "",
		"(&(a=b)(c=d))":      "",
		"objectClass=user":   "parentheses",
		"(a=b)(c=d)":         "more than one",
		"((a=b)":             "unbalanced",
		"(a=b))":             "more than one",
		"(a=b\n)":            "control",
	} {
		if p := filterProblem(f); (want == "") != (p == "") || !strings.Contains(p, want) {
			t.Errorf("filterProblem(%q) = %q, want %q", f, p, want)
		}
	}
}
