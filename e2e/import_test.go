package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/spec"
)

const portImport = 17045

// handMade is the document's folder as a person makes it by hand: a plain
// auth/ with httpd.conf, httpd.htpasswd, httpd.groups, domain.crt and
// domain.key (rendered by the recipe profile, whose files are the
// document's), and no regsetup state.
func handMade(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "recipe.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rendered := initSpec(t, t.TempDir(), bytes.Replace(data, []byte("port: 5043"), []byte("port: 17045"), 1))
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-rL", filepath.Join(filepath.Dir(rendered), "auth"), filepath.Join(dir, "auth")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	for _, f := range []string{".current"} {
		os.RemoveAll(filepath.Join(dir, "auth", f))
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "auth", ".set-*"))
	for _, s := range sets {
		os.RemoveAll(s)
	}
	return dir
}

func readAuth(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "auth", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var bcryptLine = regexp.MustCompile(`(?m)^    bcrypt: "\$2y\$05\$[./A-Za-z0-9]{53}"$`)

// TestImportRoundTrip: import of the document's hand-made folder keeps
// every hash; with --profile recipe the imported spec renders the same
// httpd.conf, password and group files byte for byte; with the default
// secure profile (passwords given again for verify, which needs them) the
// hashes still stay and verify passes on the stack it describes (init
// --force: the secure httpd.conf replaces the hand-made one, which it keeps).
func TestImportRoundTrip(t *testing.T) {
	for _, profile := range []string{"recipe", "secure"} {
		t.Run(profile, func(t *testing.T) {
			dir := handMade(t)
			before := map[string][]byte{}
			for _, f := range []string{"httpd.conf", "httpd.htpasswd", "httpd.groups", "domain.crt"} {
				before[f] = readAuth(t, dir, f)
			}
			im, err := spec.Import(dir, spec.ImportOptions{Profile: profile})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if n := len(bcryptLine.FindAll(im.YAML, -1)); n != 2 {
				t.Fatalf("want both users with their bcrypt hashes, got %d:\n%s", n, im.YAML)
			}
			for _, h := range strings.Fields(string(before["httpd.htpasswd"])) {
				if _, hash, _ := strings.Cut(h, ":"); !bytes.Contains(im.YAML, []byte(hash)) {
					t.Errorf("hash of %s not kept:\n%s", h, im.YAML)
				}
			}
			yaml := im.YAML
			if profile == "secure" { // verify logs in: give the passwords the hashes are of
				yaml = bcryptLine.ReplaceAllFunc(yaml, func([]byte) []byte { return nil })
				yaml = bytes.Replace(yaml, []byte("  - name: testuser\n"), []byte("  - name: testuser\n    password: testpassword"), 1)
				yaml = bytes.Replace(yaml, []byte("  - name: testuserpush\n"), []byte("  - name: testuserpush\n    password: testpasswordpush"), 1)
			}
			path := filepath.Join(dir, "regsetup.yaml")
			writeFile(t, path, yaml)
			if _, err := app.Init(app.InitOptions{Paths: app.Paths{Spec: path}, Force: profile == "secure"}); err != nil {
				t.Fatalf("init of the imported spec:\n%s\n%v", yaml, err)
			}
			if got := readAuth(t, dir, "httpd.htpasswd"); !bytes.Equal(got, before["httpd.htpasswd"]) {
				t.Errorf("password file changed:\n%s\nwant\n%s", got, before["httpd.htpasswd"])
			}
			for _, f := range []string{"httpd.groups", "domain.crt"} {
				if got := readAuth(t, dir, f); !bytes.Equal(got, before[f]) {
					t.Errorf("%s changed: %s", f, golden.FirstDiff(got, before[f]))
				}
			}
			if profile == "recipe" {
				if got := readAuth(t, dir, "httpd.conf"); !bytes.Equal(got, before["httpd.conf"]) {
					t.Errorf("httpd.conf differs from the hand-made one: %s", golden.FirstDiff(got, before["httpd.conf"]))
				}
				return
			}
			s := start(t, path)
			rep, err := runVerify(t, path, s, nil)
			if err != nil || !rep.OK() {
				t.Fatalf("verify on the imported spec's stack: %v\n%s", err, reportText(rep))
			}
		})
	}
}
