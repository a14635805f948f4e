package e2e

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/verify"
)

// Ports: each test that starts Apache uses its own (profiles() takes two).
const (
	portSecure       = 15043
	portRecipe       = 15044
	portMisgrouped   = 15045
	portWrongCA      = 15046
	portNoRegistry   = 15047
	portWrongPass    = 15048
	portHeaders      = 15050 // and 15051
	portForbidden    = 15052 // and 15053
	portTLS          = 15054 // and 15055
	portResume       = 15056 // and 15057
	portSlow         = 15058 // and 15059
	portRules        = 15060
	portRulesWide    = 15061
	portAuthCache    = 15062 // and 15063
	portAuthCacheTTL = 15064
)

// TestConfigTest: the real httpd accepts the secure profile's config and
// rejects the recipe's with AH00534 (no MPM loaded).
func TestConfigTest(t *testing.T) {
	stacktest.Require(t)
	for _, tc := range []struct {
		profile string
		ok      bool
		says    string
	}{
		{"secure", true, "Syntax OK"},
		{"recipe", false, "AH00534"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			spec := render(t, specParams{Profile: tc.profile, Port: 15000})
			out, err := stacktest.ConfigTest(filepath.Dir(spec))
			if (err == nil) != tc.ok || !strings.Contains(out, tc.says) {
				t.Errorf("httpd -t: err=%v, want ok=%v and %q in:\n%s", err, tc.ok, tc.says, out)
			}
		})
	}
}

// TestVerifySecure: verify passes every step on the secure profile.
func TestVerifySecure(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portSecure})
	s := start(t, spec)
	rep, err := runVerify(t, spec, s, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify failed on the secure profile: %v\n%s", err, reportText(rep))
	}
	if len(rep.Steps) != 8 || rep.Matrix == nil || rep.Matrix.Count(verify.CellOK) == 0 {
		t.Errorf("want 8 passing steps and a matrix:\n%s", reportText(rep))
	}
	if rep.Duration.Seconds() > 5 {
		t.Logf("verify took %v (want well under 5s)", rep.Duration)
	}
}

// TestVerifyRecipeLeaks: the document's config (made to start by loading
// an MPM) fails the matrix, naming the methods that reach the registry
// without authentication.
func TestVerifyRecipeLeaks(t *testing.T) {
	spec := render(t, specParams{Profile: "recipe", Port: portRecipe})
	withMPM(t, spec)
	s := start(t, spec)
	rep, err := runVerify(t, spec, s, nil)
	if !errors.Is(err, app.ErrChecksFailed) {
		t.Fatalf("verify must fail on the recipe profile, got %v\n%s", err, reportText(rep))
	}
	m := step(t, rep, verify.StepMatrix)
	if m.Status != verify.StatusFail {
		t.Fatalf("the matrix step should fail:\n%s", reportText(rep))
	}
	failures := strings.Join(rep.Matrix.Failures(), "\n")
	mustContain(t, "matrix failures", failures, "anonymous OPTIONS", "anonymous TRACE", "anonymous FOOBAR", "anonymous get")
	for _, name := range []string{verify.StepLogin, verify.StepPush, verify.StepPull, verify.StepDeniedPush} {
		if st := step(t, rep, name); st.Status != verify.StatusPass {
			t.Errorf("step %s: %s (the recipe's login/push/pull/denied push work):\n%s", name, st.Status, reportText(rep))
		}
	}
}

// TestVerifyCatchesMisconfiguredGroup: the pull-only user put in the push
// group on the live stack makes the denied-push step fail.
func TestVerifyCatchesMisconfiguredGroup(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portMisgrouped})
	writeFile(t, filepath.Join(filepath.Dir(spec), "auth", "httpd.groups"), []byte("pusher: testuserpush testuser\n"))
	s := start(t, spec)
	rep, err := runVerify(t, spec, s, nil)
	if !errors.Is(err, app.ErrChecksFailed) {
		t.Fatalf("verify must fail, got %v\n%s", err, reportText(rep))
	}
	dp := step(t, rep, verify.StepDeniedPush)
	if dp.Status != verify.StatusFail || !strings.Contains(dp.Message, "testuser") {
		t.Errorf("denied-push should fail naming testuser:\n%s", reportText(rep))
	}
}

// TestVerifyWrongCA fails at the TLS step.
func TestVerifyWrongCA(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portWrongCA})
	s := start(t, spec)
	otherCA := filepath.Join(t.TempDir(), "other.crt")
	writeFile(t, otherCA, otherCert(t))
	rep, err := runVerify(t, spec, s, func(o *app.VerifyOptions) { o.CA = otherCA })
	if !errors.Is(err, app.ErrChecksFailed) {
		t.Fatalf("verify must fail with a wrong CA, got %v\n%s", err, reportText(rep))
	}
	if st := step(t, rep, verify.StepTLS); st.Status != verify.StatusFail {
		t.Errorf("the tls step should fail:\n%s", reportText(rep))
	}
}

// TestVerifyRegistryDown: Apache runs but the registry behind it does not.
func TestVerifyRegistryDown(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portNoRegistry})
	s := start(t, spec)
	s.StopRegistry()
	rep, err := runVerify(t, spec, s, nil)
	if !errors.Is(err, app.ErrChecksFailed) {
		t.Fatalf("verify must fail without a registry, got %v\n%s", err, reportText(rep))
	}
	mustContain(t, "report", reportText(rep), "503")
}

// TestVerifyWrongPassword: the spec says one password, the stack has
// another: the login step fails.
func TestVerifyWrongPassword(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portWrongPass})
	s := start(t, spec)
	wrong := render(t, specParams{Profile: "secure", Port: portWrongPass, PullPassword: "not-the-password"})
	rep, err := runVerify(t, wrong, s, func(o *app.VerifyOptions) { o.Out = filepath.Dir(spec) })
	if !errors.Is(err, app.ErrChecksFailed) {
		t.Fatalf("verify must fail with a wrong password, got %v\n%s", err, reportText(rep))
	}
	if st := step(t, rep, verify.StepLogin); st.Status != verify.StatusFail {
		t.Errorf("the login step should fail:\n%s", reportText(rep))
	}
	if strings.Contains(reportText(rep), "not-the-password") {
		t.Error("the report leaks the password")
	}
}
