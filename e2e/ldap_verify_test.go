package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/verify"
)

const portLDAPVerify = 15178

// adIdentities is verify.identities for the AD-shaped tree as it is:
// alice pushes, bob reads, carol pushes through team-a (nested), dave
// pushes through CN=Pushers\, EMEA, frank is in no group the spec names.
const adIdentities = `verify:
  identities:
    - {name: alice, password_env: VERIFY_ALICE, groups: [pushers, registry-users]}
    - {name: bob, password_env: VERIFY_BOB, groups: [registry-users]}
    - {name: carol, password_env: VERIFY_CAROL, groups: [pushers, registry-users]}
    - {name: dave, password_env: VERIFY_DAVE, groups: [emea]}
    - {name: frank, password_env: VERIFY_FRANK}
`

// TestLDAPVerify: regsetup verify against the directory backend, on real
// slapd, Apache and registry. The spec's only local user is a pusher, so
// the pull-only user comes from verify.identities. Verify passes when the
// directory agrees with the declared memberships; it fails, naming the
// identity, the repository and expected against got, when a declaration
// is wrong, when an identity cannot sign in, and when a group DN is
// missing (the directory step). --directory only runs the pre-flight
// alone, and says when the directory is down.
func TestLDAPVerify(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t)
	for _, u := range []string{"alice", "bob", "carol", "dave", "frank", "erin"} {
		t.Setenv("VERIFY_"+strings.ToUpper(u), u+"-pass")
	}
	base := ldapSpec(portLDAPVerify, adBlock(d.Port, "starttls")) + adIdentities
	spec := initLDAP(t, d, base)
	s := start(t, spec)
	variant := func(t *testing.T, name, text string) string {
		t.Helper()
		p := filepath.Join(filepath.Dir(spec), name)
		writeFile(t, p, []byte(text))
		return p
	}

	t.Run("agrees", func(t *testing.T) {
		rep, err := runVerify(t, spec, s, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v\n%s", err, reportText(rep))
		}
		mustContain(t, "directory step", step(t, rep, verify.StepDirectory).Message, "the directory: 8 of 8 checks passed on 127.0.0.1:")
		mustContain(t, "sign-in step", step(t, rep, verify.StepSignIn).Message, "signed in as alice, bob, carol, dave, frank")
		// the puller is a directory account; frank's rows are in the matrix
		users := map[string]bool{}
		for _, row := range rep.Matrix.Rows {
			users[row.User] = true
		}
		for _, u := range []string{"ci-robot", "bob", "frank", "dave"} {
			if !users[u] {
				t.Errorf("no matrix rows for %s", u)
			}
		}
	})

	t.Run("declared-wrong", func(t *testing.T) {
		// the directory has carol in pushers too, frank in no group; erin is disabled
		wrong := strings.Replace(base, "{name: carol, password_env: VERIFY_CAROL, groups: [pushers, registry-users]}", "{name: carol, password_env: VERIFY_CAROL, groups: [registry-users]}", 1)
		wrong = strings.Replace(wrong, "{name: frank, password_env: VERIFY_FRANK}", "{name: frank, password_env: VERIFY_FRANK, groups: [registry-users]}\n    - {name: erin, password_env: VERIFY_ERIN, groups: [pushers, registry-users]}", 1)
		rep, err := runVerify(t, variant(t, "wrong.yaml", wrong), s, nil)
		if err == nil || rep == nil || rep.OK() {
			t.Fatalf("verify passed with memberships the directory does not have (%v):\n%s", err, reportText(rep))
		}
		t.Logf("verify with wrong declarations:\n%s", reportText(rep))
		matrix := step(t, rep, verify.StepMatrix)
		if matrix.Status != verify.StatusFail {
			t.Fatalf("matrix: %s", matrix.Message)
		}
		all := strings.Join(matrix.Details, "\n")
		mustContain(t, "matrix failures", all,
			"frank on repository regsetup-verify/smoke (GET /v2/regsetup-verify/smoke/manifests/sha256:0000...): expected to reach the registry, got denied (403 Forbidden); the spec declares frank in registry-users",
			// the spec says carol only reads: her push reaches the registry
			"carol on repository regsetup-verify/smoke (PUT /v2/regsetup-verify/smoke/manifests/sha256:0000...): expected denied, got reached the registry (400 Bad Request); the spec declares carol in registry-users")
		for _, line := range matrix.Details {
			if !strings.HasPrefix(line, "frank ") && !strings.HasPrefix(line, "carol ") {
				t.Errorf("a failure of someone the change does not touch: %s", line)
			}
		}
		signIn := step(t, rep, verify.StepSignIn)
		if signIn.Status != verify.StatusFail || len(signIn.Details) != 1 || !strings.Contains(signIn.Details[0], "erin could not sign in (GET /v2/ got 401 Unauthorized)") {
			t.Errorf("sign-in: %s %q", signIn.Message, signIn.Details)
		}
		if strings.Contains(reportText(rep), "erin-pass") {
			t.Error("a password is in the report")
		}
	})

	t.Run("group-dn-missing", func(t *testing.T) {
		ghost := strings.Replace(base, "      emea:", "      ghosts: CN=ghosts,OU=Groups,DC=corp,DC=example\n      emea:", 1)
		rep, err := runVerify(t, variant(t, "ghost.yaml", ghost), s, nil)
		if err == nil {
			t.Fatalf("verify passed with a group DN that does not exist:\n%s", reportText(rep))
		}
		dir := step(t, rep, verify.StepDirectory)
		if dir.Status != verify.StatusFail || len(dir.Details) != 1 || !strings.Contains(dir.Details[0], "auth.ldap.groups.ghosts CN=ghosts,OU=Groups,DC=corp,DC=example: does not exist") {
			t.Errorf("directory step: %s %q", dir.Message, dir.Details)
		}
		if m := step(t, rep, verify.StepMatrix); m.Status != verify.StatusPass {
			t.Errorf("matrix: %s", m.Message) // the rules do not use the group
		}
	})

	t.Run("directory-only", func(t *testing.T) {
		rep, err := app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: spec}, Directory: app.DirectoryOnly})
		if err != nil || len(rep.Steps) != 1 || !rep.OK() {
			t.Fatalf("directory only: %v\n%s", err, reportText(rep))
		}
		d.Stop()
		t.Cleanup(func() { _ = d.Start() })
		rep, err = app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: spec}, Directory: app.DirectoryOnly})
		if err == nil {
			t.Fatalf("directory down, and verify --directory only passed:\n%s", reportText(rep))
		}
		mustContain(t, "report", reportText(rep), "(the directory only)", "cannot reach the server: connect: connection refused")
	})
	if _, err := os.Stat(filepath.Join(filepath.Dir(spec), "auth", "httpd.conf")); err != nil {
		t.Fatal(err)
	}
}
