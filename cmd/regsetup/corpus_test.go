package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
)

// TestInvalidCorpus runs init on every spec in testdata/invalid: each must
// exit 3, print every error its "# want:" lines name (file, line, field and
// message), leak no password, and write nothing.
func TestInvalidCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(golden.Root(), "testdata", "invalid", "*.yaml"))
	if err != nil || len(files) < 40 {
		t.Fatalf("want at least 40 invalid specs, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			wants := wantLines(data)
			if len(wants) == 0 {
				t.Fatalf("%s has no '# want:' line", f)
			}
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := runCLI(t, "init", "--spec", f, "--out", out)
			if code != exitInvalid {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInvalid, stderr)
			}
			for _, w := range wants {
				if !saysOnOneLine(stderr, w) {
					t.Errorf("stderr does not say %q; it says:\n%s", w, stderr)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				if !strings.HasPrefix(line, "regsetup: ") && !strings.HasPrefix(line, f) {
					t.Errorf("stderr line %q does not start with the program or the spec's name: a value broke out of its message", line)
				}
			}
			if stdout != "" {
				t.Errorf("stdout should be empty on error, got %q", stdout)
			}
			for _, secret := range []string{"testpassword", "testpasswordpush", "BEGIN PRIVATE KEY"} {
				if strings.Contains(stderr, secret) {
					t.Errorf("stderr leaks %q", secret)
				}
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("init wrote %s on invalid input", out)
			}
		})
	}
}

// saysOnOneLine reports whether one line of text has the location and
// field of want (before " ~ ") and then its message (after it).
func saysOnOneLine(text, want string) bool {
	where, msg, _ := strings.Cut(want, "~ ")
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, where); i >= 0 && strings.Contains(line[i+len(where):], msg) {
			return true
		}
	}
	return false
}

func wantLines(data []byte) []string {
	var out []string
	for _, line := range bytes.Split(data, []byte("\n")) {
		if w, ok := bytes.CutPrefix(line, []byte("# want: ")); ok {
			out = append(out, string(w))
		}
	}
	return out
}

// runCLI runs the program in-process.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(append([]string{"regsetup"}, args...), &o, &e)
	return code, o.String(), e.String()
}
