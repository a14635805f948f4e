package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/verify"
)

// renderTestdata renders testdata/<name>.yaml (with its certificate) on
// port, in a new folder, and returns the spec's path.
func renderTestdata(t *testing.T, name string, port int) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return initSpec(t, t.TempDir(), append(data, []byte("port: "+itoa(port)+"\n")...))
}

// TestRulesOnApache: per-repository rules, rendered as <LocationMatch>
// sections, behave on the real Apache exactly as the policy derived from
// them says, for every user, method and rule (verify's matrix).
func TestRulesOnApache(t *testing.T) {
	spec := renderTestdata(t, "rules", portRules)
	s := start(t, spec)
	rep, err := runVerify(t, spec, s, nil)
	if err != nil {
		t.Fatalf("verify on the rules spec: %v\n%s", err, reportText(rep))
	}
	for _, p := range []string{"/v2/_catalog", "/v2/library/regsetup-verify/blobs/uploads/", "/v2/team-a/regsetup-verify/blobs/uploads/", "/v2/releases/regsetup-verify/blobs/uploads/"} {
		if !slices.Contains(rep.Matrix.Paths, p) {
			t.Errorf("the matrix does not try %s: %v", p, rep.Matrix.Paths)
		}
	}
	if rep.Repo != "library/regsetup-verify" {
		t.Errorf("verify tested %s, want the first rule's repository", rep.Repo)
	}
}

// TestRulesWiderThanSpec: a rendered rule edited to let every user push
// to releases/* is caught by the matrix.
func TestRulesWiderThanSpec(t *testing.T) {
	spec := renderTestdata(t, "rules", portRulesWide)
	conf := filepath.Join(filepath.Dir(spec), "auth", "httpd.conf")
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	wide := strings.Replace(string(data), "Require user ci", "Require valid-user", 1)
	if wide == string(data) {
		t.Fatal("the rendered config has no 'Require user ci'")
	}
	writeFile(t, conf, []byte(wide))
	s := start(t, spec)
	rep, err := runVerify(t, spec, s, nil)
	if !errors.Is(err, app.ErrChecksFailed) {
		t.Fatalf("verify must fail, got %v\n%s", err, reportText(rep))
	}
	if st := step(t, rep, verify.StepMatrix); st.Status != verify.StatusFail {
		t.Fatalf("the matrix should fail:\n%s", reportText(rep))
	}
	mustContain(t, "matrix failures", strings.Join(rep.Matrix.Failures(), "\n"), "alice PUT /v2/releases/regsetup-verify/")
}
