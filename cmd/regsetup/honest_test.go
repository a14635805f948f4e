package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// jsonDoc is the part of init --json these tests read.
type jsonDoc struct {
	OK       bool
	ExitCode int `json:"exit_code"`
	Outcome  string
	Drift    *bool
	Files    []struct{ Path, Planned, Action string }
	Error    string
	Errors   []struct {
		File, Field, Message string
		Line                 int
	}
}

// decodeOne parses stdout as exactly one JSON document.
func decodeOne(t *testing.T, stdout []byte) jsonDoc {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(stdout))
	var d jsonDoc
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	return d
}

// TestInitReportsWhatItWrote makes writing fail — a folder the user may
// not write in, a disk that fills up — and checks that init says so: not
// ok, and no file is listed as written unless a check run afterwards
// finds it on disk as planned (and each one not written is still pending).
func TestInitReportsWhatItWrote(t *testing.T) {
	t.Run("read-only folder, not root", func(t *testing.T) {
		u := nonRoot(t)
		shared := sharedDir(t, u)
		bin := buildRegsetup(t, shared)
		spec := copyQuickstart(t, shared)
		out := filepath.Join(shared, "out")
		os.Mkdir(out, 0o755)
		// the lock file is the user's, the folder is not: init gets as far
		// as writing, then fails
		os.WriteFile(filepath.Join(out, ".regsetup.lock"), nil, 0o666)
		os.Chmod(filepath.Join(out, ".regsetup.lock"), 0o666)
		if os.Geteuid() != 0 {
			os.Chmod(out, 0o555)
			t.Cleanup(func() { os.Chmod(out, 0o755) })
		}
		run := func(args ...string) ([]byte, int) {
			cmd := u.command(bin, append(args, "--spec", spec, "--out", out)...)
			var o bytes.Buffer
			cmd.Stdout = &o
			code := exitStatus(t, cmd.Run())
			return o.Bytes(), code
		}
		text, code := run("init")
		if code == exitOK || strings.Contains(string(text), "created ") {
			t.Errorf("init in a read-only folder: exit %d, stdout claims files were created:\n%s", code, text)
		}
		checkHonest(t, func(check bool) ([]byte, int) {
			if check {
				return run("init", "--check", "--json")
			}
			return run("init", "--json")
		}, true)
	})
	t.Run("full disk", func(t *testing.T) {
		if os.Geteuid() != 0 {
			testenv.Missing(t, "root (a tmpfs mounted in a private mount namespace)")
		}
		testenv.Tool(t, "unshare")
		dir := t.TempDir()
		bin := buildRegsetup(t, dir)
		spec := copyQuickstart(t, dir)
		small := filepath.Join(dir, "small")
		os.Mkdir(small, 0o755)
		// One namespace for both runs, so the check sees what the failed
		// init left on the small disk; the results go to files outside it.
		script := `set -u
mount -t tmpfs -o size=12k tmpfs "$SMALL" || exit 99
"$BIN" init --json --spec "$SPEC" --out "$SMALL/out" > "$DIR/init.json"; echo $? > "$DIR/init.code"
"$BIN" init --check --json --spec "$SPEC" --out "$SMALL/out" > "$DIR/check.json"; echo $? > "$DIR/check.code"`
		cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script)
		cmd.Env = append(os.Environ(), "SMALL="+small, "BIN="+bin, "SPEC="+spec, "DIR="+dir)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("unshare: %v\n%s", err, b)
		}
		checkHonest(t, func(check bool) ([]byte, int) {
			name := "init"
			if check {
				name = "check"
			}
			doc, _ := os.ReadFile(filepath.Join(dir, name+".json"))
			code, _ := os.ReadFile(filepath.Join(dir, name+".code"))
			n := 0
			for _, c := range strings.TrimSpace(string(code)) {
				n = n*10 + int(c-'0')
			}
			return doc, n
		}, false)
	})
}

// checkHonest runs init --json (failing) then init --check --json and
// compares them; nothingWritten: no file at all may be done.
func checkHonest(t *testing.T, run func(check bool) ([]byte, int), nothingWritten bool) {
	t.Helper()
	stdout, code := run(false)
	d := decodeOne(t, stdout)
	if code == exitOK || d.OK || d.ExitCode != code || d.Outcome == "ok" || len(d.Errors) == 0 || d.Error == "" {
		t.Errorf("a failed write: exit %d, document ok=%v exit_code=%d outcome=%q errors=%v", code, d.OK, d.ExitCode, d.Outcome, d.Errors)
	}
	cstdout, ccode := run(true)
	c := decodeOne(t, cstdout)
	if ccode != exitDrift || c.OK || c.Drift == nil || !*c.Drift || c.Outcome != "drift" {
		t.Errorf("check after a failed write: exit %d, ok=%v drift=%v outcome=%q; want exit 4, drift true\n%s", ccode, c.OK, c.Drift, c.Outcome, cstdout)
	}
	pending := map[string]bool{}
	for _, f := range c.Files {
		pending[f.Path] = f.Planned != "unchanged"
		if f.Action != "unchanged" && f.Action != "not written" {
			t.Errorf("init --check says %s was %q: a check writes nothing", f.Path, f.Action)
		}
	}
	notDone := 0
	for _, f := range d.Files {
		done := f.Action != "not written" && f.Action != "unknown"
		if !done {
			notDone++
		}
		if done && pending[f.Path] {
			t.Errorf("init says %s was %s, but it is not on disk as planned (the check still plans %s)", f.Path, f.Action, f.Planned)
		}
		if !done && !pending[f.Path] {
			t.Errorf("init says %s was not written, but the check finds it on disk", f.Path)
		}
		if nothingWritten && done && f.Planned != "unchanged" {
			t.Errorf("init says %s was %s in a folder it cannot write", f.Path, f.Action)
		}
	}
	if notDone == 0 || len(d.Files) == 0 {
		t.Errorf("the failed init lists %d files, none of them not written:\n%s", len(d.Files), stdout)
	}
}

// copyQuickstart writes testdata/quickstart.yaml into dir, readable by all.
func copyQuickstart(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "regsetup.yaml")
	if err := os.WriteFile(spec, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestInitJSONErrors: an invalid spec's every problem is in the document
// as {file, line, field, message}; a check says whether it drifts.
func TestInitJSONErrors(t *testing.T) {
	t.Run("invalid spec", func(t *testing.T) {
		spec := filepath.Join(golden.Root(), "testdata", "invalid", "many-errors.yaml")
		code, stdout, _ := runCLI(t, "init", "--json", "--spec", spec, "--out", t.TempDir())
		d := decodeOne(t, []byte(stdout))
		if code != exitInvalid || d.ExitCode != exitInvalid || d.Outcome != "invalid" || d.OK {
			t.Errorf("exit %d, document exit_code %d outcome %q ok %v", code, d.ExitCode, d.Outcome, d.OK)
		}
		want := map[string]int{"domain": 6, "port": 19, "bcrypt_cost": 20}
		for _, e := range d.Errors {
			if line, ok := want[e.Field]; ok && line == e.Line && strings.HasSuffix(e.File, "many-errors.yaml") && e.Message != "" {
				delete(want, e.Field)
			}
		}
		if len(want) > 0 {
			t.Errorf("errors lack %v as {file, line, field, message}:\n%s", want, stdout)
		}
	})
	t.Run("check", func(t *testing.T) {
		spec := quickstart(t)
		for _, tt := range []struct {
			name  string
			drift bool
			code  int
		}{{"before init", true, exitDrift}, {"after init", false, exitOK}} {
			if !tt.drift {
				if code, _, stderr := runCLI(t, "init", "--spec", spec); code != exitOK {
					t.Fatalf("init: %s", stderr)
				}
			}
			code, stdout, _ := runCLI(t, "init", "--check", "--json", "--spec", spec)
			d := decodeOne(t, []byte(stdout))
			if code != tt.code || d.Drift == nil || *d.Drift != tt.drift || d.OK != !tt.drift {
				t.Errorf("%s: exit %d, drift %v, ok %v; want drift %v\n%s", tt.name, code, d.Drift, d.OK, tt.drift, stdout)
			}
			for _, f := range d.Files {
				if f.Action == "created" || f.Action == "updated" {
					t.Errorf("%s: init --check says %s was %s", tt.name, f.Path, f.Action)
				}
			}
		}
	})
}
