package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/spec"
)

// goldenCases are testdata/<case>.yaml rendered into goldenfiles/<case>/.
var goldenCases = []string{"recipe", "quickstart", "teams", "rules", "ldap", "swarm", "kubernetes"}

// artifactPaths are every file a case may render; the secure profile's
// password cache script only exists with it.
var artifactPaths = []string{generator.HTTPDConf, generator.HTPasswd, generator.Groups, generator.Cert, generator.Key, generator.AuthCache, generator.LDAPBindPassword, generator.LDAPCA, generator.ComposeFile,
	generator.RegistryConfig, generator.StackFile, generator.KubeDir + "/kustomization.yaml", generator.KubeDir + "/apache.yaml", generator.KubeDir + "/registry.yaml"}

// fixedNow is the clock of golden renders.
var fixedNow = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

// renderCase runs Init on testdata/<name>.yaml into a new folder with
// deterministic randomness, and returns the folder.
func renderCase(t *testing.T, name string) string {
	t.Helper()
	cryptotest.SetGlobalRandom(t, 1)
	out := t.TempDir()
	if _, err := Init(caseOptions(name, out)); err != nil {
		t.Fatalf("init %s: %v", name, err)
	}
	return out
}

// caseOptions renders testdata/<name>.yaml into out at fixedNow.
func caseOptions(name, out string) InitOptions {
	now := func() time.Time { return fixedNow }
	return InitOptions{
		Paths: Paths{Spec: filepath.Join(golden.Root(), "testdata", name+".yaml"), Out: out},
		Spec:  spec.Options{Now: now, LookupEnv: func(string) (string, bool) { return "", false }},
		Gen:   generator.Options{Now: now, Workers: 1},
		// as root, so the render is the same for every user who runs the tests
		Identity: &Identity{Root: true},
	}
}

func TestGolden(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) { checkGolden(t, name, renderCase(t, name)) })
	}
}

// TestGoldenFromTheSpecsFolder renders each case as the README's flow
// does: from the spec's own folder, naming it without a folder
// (--spec recipe.yaml), so relative tls.cert, tls.key and password_file
// resolve against ".".
func TestGoldenFromTheSpecsFolder(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			cryptotest.SetGlobalRandom(t, 1)
			out := t.TempDir()
			t.Chdir(filepath.Join(golden.Root(), "testdata"))
			o := caseOptions(name, out)
			o.Paths.Spec = name + ".yaml"
			if _, err := Init(o); err != nil {
				t.Fatalf("init --spec %s.yaml in testdata/: %v", name, err)
			}
			checkGolden(t, name, out)
		})
	}
}

// checkGolden compares every artifact in out with goldenfiles/<name>/.
func checkGolden(t *testing.T, name, out string) {
	t.Helper()
	for _, p := range artifactPaths {
		got, err := os.ReadFile(filepath.Join(out, p))
		if os.IsNotExist(err) {
			if _, gerr := os.Stat(filepath.Join(golden.Dir(name), p)); gerr == nil {
				t.Errorf("%s was not rendered but has a golden file", p)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join(golden.Dir(name), p), got)
	}
}

// TestRenderTwice proves rendering is deterministic: a second render in a
// new folder gives the same bytes, and re-running in the same folder
// changes nothing.
func TestRenderTwice(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			a, b := renderCase(t, name), renderCase(t, name)
			for _, p := range artifactPaths {
				x, _ := os.ReadFile(filepath.Join(a, p))
				y, _ := os.ReadFile(filepath.Join(b, p))
				if !bytes.Equal(x, y) {
					t.Errorf("%s differs between two renders at %s", p, golden.FirstDiff(x, y))
				}
			}
			res, err := Init(caseOptions(name, a))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Changes {
				if c.Action != outdir.Unchanged {
					t.Errorf("re-running init: %s %s, want unchanged", c.Path, c.Action)
				}
			}
		})
	}
}

// TestRecipeIsTheDocument compares the recipe case with the files the
// document writes (testdata/reference/, the in-repo copies).
func TestRecipeIsTheDocument(t *testing.T) {
	out := renderCase(t, "recipe")
	for _, f := range []string{"httpd.conf", "httpd.groups"} {
		want, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "reference", f))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(out, "auth", f))
		if !bytes.Equal(got, want) {
			t.Errorf("auth/%s is not the document's file: %s", f, golden.FirstDiff(got, want))
		}
	}
	for _, f := range []string{"domain.crt", "domain.key"} {
		want, _ := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
		got, _ := os.ReadFile(filepath.Join(out, "auth", f))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("auth/%s is not a byte copy of testdata/%s", f, f)
		}
	}
}

// referenceFiles are the recipe's files that testdata/reference/ copies.
var referenceFiles = []string{"httpd.conf", "httpd.groups", "docker-compose.legacy.yml"}

// sharedReference is the project's shared reference of the recipe:
// $REGSETUP_REFERENCE, else ../shared/reference/recipe beside the checkout.
func sharedReference() string {
	if d := os.Getenv("REGSETUP_REFERENCE"); d != "" {
		return d
	}
	return filepath.Join(golden.Root(), "..", "shared", "reference", "recipe")
}

// TestReferenceIsACopy proves testdata/reference/ holds byte copies of the
// shared reference. Without that folder the test skips saying so, and
// under CI it fails: it never passes without comparing.
func TestReferenceIsACopy(t *testing.T) {
	shared := sharedReference()
	if st, err := os.Stat(shared); err != nil || !st.IsDir() {
		testenv.Missing(t, fmt.Sprintf("the shared reference folder %s (set REGSETUP_REFERENCE to it)", shared))
	}
	for _, f := range referenceFiles {
		t.Run(f, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join(shared, f))
			if err != nil {
				t.Fatalf("reading the shared reference: %v", err)
			}
			copied, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "reference", f))
			if err != nil {
				t.Fatalf("reading the in-repo copy: %v", err)
			}
			if !bytes.Equal(copied, orig) {
				t.Errorf("testdata/reference/%s is not a copy of %s: %s", f, shared, golden.FirstDiff(copied, orig))
			}
		})
	}
}
