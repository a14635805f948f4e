package app

import (
	"os"
	"os/user"
	"path/filepath"
	"testing"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/model"
	"testing/cryptotest"
)

// includeOut is a fixed output folder: the snippet names its absolute
// path, so the golden render needs the same one every time.
const includeOut = "/tmp/regsetup-golden-include"

// TestGoldenInclude renders testdata/include-<layout>.yaml into
// includeOut and compares the snippet, the site-independent file and the
// compose file with goldenfiles/include-<layout>/.
func TestGoldenInclude(t *testing.T) {
	for _, layout := range []string{model.LayoutDebian, model.LayoutHTTPD} {
		t.Run(layout, func(t *testing.T) {
			if _, err := user.LookupGroup(model.DefaultGroup(layout)); err != nil {
				testenv.Missing(t, "the group "+model.DefaultGroup(layout))
			}
			cryptotest.SetGlobalRandom(t, 1)
			name := "include-" + layout
			out := filepath.Join(includeOut, layout)
			if err := os.RemoveAll(out); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(includeOut) })
			if _, err := Init(caseOptions(name, out)); err != nil {
				t.Fatalf("init %s: %v", name, err)
			}
			for _, p := range []string{generator.IncludeLocation, generator.IncludeServer, generator.ComposeFile, generator.Groups} {
				got, err := os.ReadFile(filepath.Join(out, p))
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join(golden.Dir(name), p), got)
			}
			if _, err := os.Stat(filepath.Join(out, generator.HTTPDConf)); err == nil {
				t.Errorf("an existing Apache gets no %s", generator.HTTPDConf)
			}
		})
	}
}
