// Package golden compares test output with files under goldenfiles/ and
// rewrites them when tests run with -update (`go test ./... -update`).
//
// Every test package imports it (even as `_`), because `go test ./...
// -update` hands the flag to every test binary; TestEveryPackageImports
// checks that none was forgotten.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Update rewrites golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite the golden files under goldenfiles/")

// Root is the repository's top folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Dir is goldenfiles/<name>.
func Dir(name string) string { return filepath.Join(Root(), "goldenfiles", name) }

// Check compares got with the golden file at path (or rewrites it with
// -update), reporting the first differing line.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test ./... -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file at %s", path, FirstDiff(got, want))
	}
}

// FirstDiff describes where a and b first differ.
func FirstDiff(got, want []byte) string {
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) || (i >= len(gl)) != (i >= len(wl)) {
			return fmt.Sprintf("line %d:\n  got:  %s\n  want: %s", i+1, g, w)
		}
	}
	return "the end (lengths differ)"
}
