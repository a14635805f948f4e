package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPackageImports keeps `go test ./... -update` working: a test
// binary that does not define -update would fail on it.
func TestEveryPackageImports(t *testing.T) {
	const imp = `"github.com/regsetup/regsetup/internal/golden"`
	dirs := map[string]bool{}
	importing := map[string]bool{}
	err := filepath.WalkDir(Root(), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "tools" || d.Name() == "testdata") && path != Root() {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		dirs[dir] = true
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), imp) || dir == filepath.Join(Root(), "internal", "golden") {
			importing[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir := range dirs {
		if !importing[dir] {
			t.Errorf("%s has tests but none imports %s", dir, imp)
		}
	}
}

func TestFirstDiff(t *testing.T) {
	for _, tc := range []struct{ got, want, has string }{
		{"a\nb\n", "a\nc\n", "line 2"},
		{"a\n", "a\nb\n", "line 2"},
	} {
		if d := FirstDiff([]byte(tc.got), []byte(tc.want)); !strings.Contains(d, tc.has) {
			t.Errorf("FirstDiff(%q, %q) = %q, want it to mention %q", tc.got, tc.want, d, tc.has)
		}
	}
}
