package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
)

// TestInvalidCorpus runs init on every spec in testdata/invalid: each must
// exit 3, print exactly the errors its "# want:" lines name (file, line,
// field and message; one line each, none missing and none extra, as kind's
// ExpectErrors compares the whole list), leak no password, and write
// nothing.
func TestInvalidCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(golden.Root(), "testdata", "invalid", "*.yaml"))
	if err != nil || len(files) < 40 {
		t.Fatalf("want at least 40 invalid specs, found %d (%v)", len(files), err)
	}
	// Each spec runs twice: named by its path, and from inside its folder
	// with a bare name, as the README's flow runs (--spec regsetup.yaml).
	for _, inFolder := range []bool{false, true} {
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".yaml")
			if inFolder {
				name += "/in-its-folder"
			}
			t.Run(name, func(t *testing.T) { checkInvalid(t, f, inFolder) })
		}
	}
}

// checkInvalid runs init on the invalid spec f (from its folder, named
// without one, when inFolder) and checks what TestInvalidCorpus says.
func checkInvalid(t *testing.T, f string, inFolder bool) {
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	wants := wantLines(data)
	if len(wants) == 0 {
		t.Fatalf("%s has no '# want:' line", f)
	}
	out := filepath.Join(t.TempDir(), "out")
	specArg := f
	if inFolder {
		t.Chdir(filepath.Dir(f))
		specArg = filepath.Base(f)
	}
	code, stdout, stderr := runCLI(t, "init", "--spec", specArg, "--out", out)
	if code != exitInvalid {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInvalid, stderr)
	}
	for _, p := range compareErrors(errorLines(stderr), wants) {
		t.Errorf("%s; stderr:\n%s", p, stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.HasPrefix(line, "regsetup: ") && !strings.HasPrefix(line, specArg) {
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
}

// errorLines are the errors init printed, one a line, without the
// program's "regsetup: " prefix.
func errorLines(stderr string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if l != "" {
			lines = append(lines, strings.TrimPrefix(l, "regsetup: "))
		}
	}
	return lines
}

// says reports whether an error line has the location and field of want
// (before "~ ") and then its message (after it).
func says(line, want string) bool {
	where, msg, _ := strings.Cut(want, "~ ")
	i := strings.Index(line, where)
	return i >= 0 && strings.Contains(line[i+len(where):], msg)
}

// compareErrors pairs each wanted error with its own line (in order: the
// errors come sorted by line) and returns what is missing or extra.
func compareErrors(lines, wants []string) []string {
	var problems []string
	used := make([]bool, len(lines))
	for _, w := range wants {
		found := false
		for i, l := range lines {
			if !used[i] && says(l, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("missing error %q", w))
		}
	}
	for i, l := range lines {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("extra error %q (add a '# want:' line if it is right)", l))
		}
	}
	return problems
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

// TestCompareErrors proves the corpus check fails on a missing, an extra
// and a twice-claimed error, not only on a missing one.
func TestCompareErrors(t *testing.T) {
	lines := []string{"a.yaml:6: domain: bad", "a.yaml:9: port: out of range"}
	tests := []struct {
		name  string
		wants []string
		want  int
	}{
		{"exact", []string{"a.yaml:6: domain: ~ bad", "a.yaml:9: port: ~ out of range"}, 0},
		{"extra", []string{"a.yaml:6: domain: ~ bad"}, 1},
		{"missing", []string{"a.yaml:6: domain: ~ bad", "a.yaml:9: port: ~ out of range", "a.yaml:10: users: ~ empty"}, 1},
		{"one line for two wants", []string{"a.yaml:6: domain: ~ bad", "a.yaml:6: domain: ~ bad"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compareErrors(lines, tt.wants); len(got) != tt.want {
				t.Errorf("compareErrors = %q, want %d problems", got, tt.want)
			}
		})
	}
}
