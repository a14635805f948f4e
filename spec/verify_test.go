package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/model"
)

// identitiesSpec is ldapSpecText with a bcrypt-only robot and verify
// identities; the test appends its own.
const identitiesSpec = `domain: myregistrydomain.com
tls: {generate: true}
users:
  - {name: ci-robot, password: robot}
  - {name: old-robot, bcrypt: "$2y$05$CX7Rc4eq2v/kJLv1j0ZH3ubhgVk2yUQw.n7Bsu0sfyo1Ad2pLq.Ky"}
groups: {robots: [ci-robot, old-robot], others: [ci-robot]}
auth:
  backend: ldap
  ldap:
    servers: [dc1.corp.example]
    base_dn: OU=Corp Users,DC=corp,DC=example
    bind_dn: CN=svc-registry,OU=Service Accounts,DC=corp,DC=example
    bind_password_env: SVC_PW
    require_group: registry-users
    groups:
      registry-users: CN=registry-users,OU=Groups,DC=corp,DC=example
      pushers: CN=registry-push,OU=Groups,DC=corp,DC=example
access:
  pull: authenticated
  push: [pushers, robots]
verify:
  identities:
`

func parseIdentities(t *testing.T, identities string, verifyPasswords bool) (*model.Model, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "regsetup.yaml")
	text := identitiesSpec + identities
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bob.password"), []byte("bob-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SVC_PW": "svc", "VERIFY_ALICE": "alice-pass", "OLD_ROBOT": "old-pass"}
	return Parse(path, []byte(text), Options{VerifyPasswords: verifyPasswords, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
}

// TestVerifyIdentities: declared memberships make the policy, passwords
// are read only when verify asks, a bcrypt-only local user gets its
// password from an identity.
func TestVerifyIdentities(t *testing.T) {
	const ids = `    - {name: alice, password_env: VERIFY_ALICE, groups: [pushers, registry-users]}
    - {name: bob, password_file: bob.password, groups: [registry-users]}
    - {name: frank, password_env: VERIFY_ALICE}
    - {name: old-robot, password_env: OLD_ROBOT, groups: [robots]}
`
	m, err := parseIdentities(t, ids, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.VerifyIdentities) != 4 || m.VerifyIdentities[1].Password.Reveal() != "bob-pass" || m.VerifyIdentities[0].Password.Reveal() != "alice-pass" || !m.VerifyIdentities[3].Local {
		t.Fatalf("identities: %+v", m.VerifyIdentities)
	}
	for _, tc := range []struct {
		user       string
		pull, push bool
	}{
		{"alice", true, true},
		{"bob", true, false},
		{"frank", false, false}, // not in registry-users: require_group refuses him
		{"old-robot", true, true},
		{"mallory", false, false},
	} {
		if got := m.CanPull(tc.user, "x/y"); got != tc.pull {
			t.Errorf("CanPull(%s) = %v, want %v", tc.user, got, tc.pull)
		}
		if got := m.CanPush(tc.user, "x/y"); got != tc.push {
			t.Errorf("CanPush(%s) = %v, want %v", tc.user, got, tc.push)
		}
	}
	// init does not read them: an unset variable and a missing file are fine.
	m, err = parseIdentities(t, "    - {name: carol, password_env: UNSET}\n    - {name: dave, password_file: missing.password}\n", false)
	if err != nil {
		t.Fatalf("without VerifyPasswords: %v", err)
	}
	if m.VerifyIdentities[0].Password != "" {
		t.Error("a password was read without VerifyPasswords")
	}
}

// TestVerifyIdentitiesInvalid: every problem at once, each at its line
// and field.
func TestVerifyIdentitiesInvalid(t *testing.T) {
	const ids = `    - {name: alice, password_env: VERIFY_ALICE, groups: [pushers, nobody]}
    - {name: alice, password_env: VERIFY_ALICE}
    - {name: bob, groups: [registry-users]}
    - {name: carol, password_env: UNSET, password_file: bob.password}
    - {name: ci-robot, password_env: VERIFY_ALICE}
    - {name: old-robot, password_env: OLD_ROBOT, groups: [others, pushers]}
    - {name: dave, password_env: UNSET_TOO, groups: [robots, pushers, pushers]}
    - {name: "e ve", password_env: "not a name"}
    - {name: frank, password_file: missing.password}
`
	_, err := parseIdentities(t, ids, true)
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	for _, want := range []string{
		`regsetup.yaml:23: verify.identities[0].groups[1]: unknown group "nobody"`,
		`regsetup.yaml:24: verify.identities[1].name: "alice" is already at verify.identities[0]`,
		`regsetup.yaml:25: verify.identities[2]: set exactly one of password_env or password_file`,
		`regsetup.yaml:26: verify.identities[3]: set exactly one of password_env or password_file`,
		`regsetup.yaml:27: verify.identities[4].name: "ci-robot" is a local user with a password (users[0])`,
		`regsetup.yaml:28: verify.identities[5].groups[0]: "others" does not list "old-robot"`,
		`regsetup.yaml:28: verify.identities[5].groups[1]: "pushers" is a directory group, and "old-robot" a local user`,
		`regsetup.yaml:29: verify.identities[6].groups[0]: "robots" is a local group`,
		`regsetup.yaml:29: verify.identities[6].groups[2]: "pushers" is listed twice`,
		`regsetup.yaml:29: verify.identities[6].password_env: the environment variable it names is not set or empty`,
		`regsetup.yaml:30: verify.identities[7].name: "e ve" may only use`,
		`regsetup.yaml:30: verify.identities[7].password_env: not an environment variable name`,
		`regsetup.yaml:31: verify.identities[8].password_file: the file does not exist`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "not a name") {
		t.Errorf("a password_env value was printed:\n%s", got)
	}
	if n := strings.Count(got, "\n") + 1; n != 13 {
		t.Errorf("%d errors, want 13:\n%s", n, got)
	}
}

// TestVerifyIdentitiesNeedADirectory: without auth.backend: ldap, an
// identity must be a local user.
func TestVerifyIdentitiesNeedADirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "regsetup.yaml")
	if err := os.WriteFile(path, []byte(baseSpec+"verify:\n  identities:\n    - {name: zed, password_env: X}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := loadErr(t, path, Options{}); !strings.Contains(got, `verify.identities[0].name: "zed" is not a user; directory accounts need auth.backend: ldap`) {
		t.Errorf("got %q", got)
	}
}

// TestStarterVerifySection: the starter's commented verify section, with
// its directory, parses as it is written.
func TestStarterVerifySection(t *testing.T) {
	var block []string
	in := false
	for _, l := range strings.Split(string(Starter), "\n") {
		switch {
		case l == "# verify:":
			in = true
		case in && !strings.HasPrefix(l, "#   "):
			in = false
		}
		if in {
			block = append(block, strings.TrimPrefix(l, "# "))
		}
	}
	if len(block) != 4 {
		t.Fatalf("starter's verify section: %q", block)
	}
	text := strings.SplitN(identitiesSpec, "verify:\n", 2)[0] + strings.Join(block, "\n") + "\n"
	dir := t.TempDir()
	path := filepath.Join(dir, "regsetup.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Parse(path, []byte(text), Options{LookupEnv: func(k string) (string, bool) { return "svc", k == "SVC_PW" }})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.VerifyIdentities) != 2 || strings.Join(m.VerifyIdentities[0].DirGroups, ",") != "pushers,registry-users" {
		t.Errorf("identities: %+v", m.VerifyIdentities)
	}
}
