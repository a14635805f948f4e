package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/verify"
)

// stackSpec is the recipe's users and domain; Port and Profile vary.
var stackSpec = template.Must(template.New("spec").Parse(`profile: {{.Profile}}
domain: myregistrydomain.com
port: {{.Port}}
tls:
  cert: domain.crt
  key: domain.key
users:
  - name: testuser
    password: {{.PullPassword}}
  - name: testuserpush
    password: testpasswordpush
groups:
  pusher: [testuserpush]
access:
  pull: authenticated
  push: [pusher]
{{if .AuthCache}}auth_cache: {{.AuthCache}}
{{end}}`))

type specParams struct {
	Profile      string
	Port         int
	PullPassword string
	AuthCache    int // seconds; 0 keeps the default
}

// render writes a spec (and the test certificate) into a new folder, runs
// init there and returns the spec's path.
func render(t *testing.T, p specParams) string {
	t.Helper()
	if p.PullPassword == "" {
		p.PullPassword = "testpassword"
	}
	dir := t.TempDir()
	var b bytes.Buffer
	if err := stackSpec.Execute(&b, p); err != nil {
		t.Fatal(err)
	}
	return initSpec(t, dir, b.Bytes())
}

// initSpec writes spec and the test certificate (testdata/domain.crt and
// .key) into dir, runs init there and returns the spec's path.
func initSpec(t *testing.T, dir string, spec []byte) string {
	t.Helper()
	path := filepath.Join(dir, "regsetup.yaml")
	writeFile(t, path, spec)
	for _, f := range []string{"domain.crt", "domain.key"} {
		data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), data)
	}
	if _, err := app.Init(app.InitOptions{Paths: app.Paths{Spec: path}}); err != nil {
		t.Fatalf("init: %v", err)
	}
	return path
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// withMPM makes the recipe's config start: it loads the event MPM, the
// one change without which the document's file does not run at all.
func withMPM(t *testing.T, spec string) {
	t.Helper()
	conf := filepath.Join(filepath.Dir(spec), "auth", "httpd.conf")
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, conf, append([]byte("LoadModule mpm_event_module modules/mod_mpm_event.so\n"), data...))
}

// start runs the rendered stack natively.
func start(t *testing.T, spec string) *stacktest.Stack {
	t.Helper()
	return stacktest.Start(t, filepath.Dir(spec), stacktest.Options{})
}

// runVerify runs the smoke test against a native stack.
func runVerify(t *testing.T, spec string, s *stacktest.Stack, mutate func(*app.VerifyOptions)) (*verify.Report, error) {
	t.Helper()
	o := app.VerifyOptions{
		Paths:   app.Paths{Spec: spec},
		Resolve: fmt.Sprintf("myregistrydomain.com:%d:127.0.0.1", s.Port),
		Layers:  2, LayerSize: 64 << 10,
	}
	if mutate != nil {
		mutate(&o)
	}
	return app.Verify(context.Background(), o)
}

// reportText renders a report for failure messages.
func reportText(r *verify.Report) string {
	if r == nil {
		return "(no report)"
	}
	var b bytes.Buffer
	verify.WriteText(&b, r)
	return b.String()
}

// step returns one step of a report, failing the test when it is absent.
func step(t *testing.T, r *verify.Report, name string) verify.StepResult {
	t.Helper()
	s, ok := r.Step(name)
	if !ok {
		t.Fatalf("no step %q in the report:\n%s", name, reportText(r))
	}
	return s
}

// mustContain fails unless s contains every one of subs.
func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func itoa(i int) string { return fmt.Sprint(i) }
