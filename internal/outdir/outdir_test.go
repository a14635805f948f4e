package outdir

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/regsetup/regsetup/generator"
	_ "github.com/regsetup/regsetup/internal/golden"
)

// files is a plan's input: two auth/ files (one private) and a compose
// file, all carrying conf.
func files(conf string) []generator.File {
	return []generator.File{
		{Path: generator.HTTPDConf, Data: []byte(conf), Mode: 0o644},
		{Path: generator.HTPasswd, Data: []byte("u:$2y$05$x\n\n" + conf), Mode: 0o640, Private: true, GID: 1},
		{Path: generator.ComposeFile, Data: []byte("services: {} # " + conf), Mode: 0o644},
	}
}

func apply(t *testing.T, dir string, fs []generator.File, force bool) (*Plan, error) {
	t.Helper()
	p, err := Compute(dir, fs)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Apply(force)
	return p, err
}

func mustApply(t *testing.T, dir string, fs []generator.File, force bool) *Plan {
	t.Helper()
	p, err := apply(t, dir, fs, force)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func actions(p *Plan) map[string]Action {
	out := map[string]Action{}
	for _, c := range p.Changes {
		out[c.Path] = c.Action
	}
	return out
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
	}
	return string(b)
}

// names lists a folder, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteAndRerun(t *testing.T) {
	dir := t.TempDir()
	p := mustApply(t, dir, files("v1"), false)
	if a := actions(p); a[generator.HTTPDConf] != Created || a["data/"] != Created || a[generator.ComposeFile] != Created {
		t.Errorf("first run: %v", a)
	}
	st, err := os.Stat(filepath.Join(dir, generator.HTPasswd))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("htpasswd mode %v, want 0640 (not world-readable)", st.Mode().Perm())
	}
	if os.Geteuid() == 0 && st.Sys().(*syscall.Stat_t).Gid != 1 {
		t.Errorf("htpasswd group %d, want 1 (daemon)", st.Sys().(*syscall.Stat_t).Gid)
	}
	p = mustApply(t, dir, files("v1"), false)
	if a := actions(p); a[generator.HTTPDConf] != Unchanged || len(p.Pending()) != 0 {
		t.Errorf("second run: %v", a)
	}
	p = mustApply(t, dir, files("v2"), false)
	if a := actions(p); a[generator.HTTPDConf] != Updated || a[generator.ComposeFile] != Updated {
		t.Errorf("own files with new content: %v", a)
	}
	if got := read(t, filepath.Join(dir, generator.ComposeFile)); got != "services: {} # v2" {
		t.Errorf("docker-compose.yml reads %q", got)
	}
}

func TestEditedFileIsKept(t *testing.T) {
	for _, path := range []string{generator.HTTPDConf, generator.ComposeFile} {
		t.Run(path, func(t *testing.T) {
			dir := t.TempDir()
			mustApply(t, dir, files("v1"), false)
			edited := filepath.Join(dir, path)
			if err := os.WriteFile(edited, []byte("my edit"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := read(t, filepath.Join(dir, generator.HTPasswd))
			p, err := apply(t, dir, files("v2"), false)
			if !errors.Is(err, ErrEdited) || actions(p)[path] != Edited {
				t.Fatalf("want ErrEdited for an edited file, got %v (%v)", err, actions(p))
			}
			if got := read(t, edited); got != "my edit" {
				t.Errorf("the edited file was overwritten")
			}
			if after := read(t, filepath.Join(dir, generator.HTPasswd)); after != before {
				t.Errorf("other files were written although the run failed")
			}
			if _, err := apply(t, dir, files("v2"), true); err != nil {
				t.Fatal(err)
			}
			if got := read(t, edited); got == "my edit" {
				t.Errorf("--force did not replace the edited file")
			}
		})
	}
}

// TestForceKeepsCopies: --force keeps what a person wrote, next to it,
// whether they wrote through the link (into the set), replaced the link by
// a file, or edited docker-compose.yml; and says where.
func TestForceKeepsCopies(t *testing.T) {
	dir := t.TempDir()
	mustApply(t, dir, files("v1"), false)
	edits := map[string]string{
		generator.HTTPDConf:   "edited through the link",
		generator.HTPasswd:    "replaced by a file",
		generator.ComposeFile: "edited compose",
	}
	write := func() {
		os.WriteFile(filepath.Join(dir, generator.HTTPDConf), []byte(edits[generator.HTTPDConf]), 0o644)
		hp := filepath.Join(dir, generator.HTPasswd)
		os.Remove(hp)
		os.WriteFile(hp, []byte(edits[generator.HTPasswd]), 0o640)
		os.WriteFile(filepath.Join(dir, generator.ComposeFile), []byte(edits[generator.ComposeFile]), 0o644)
	}
	for round, suffix := range []string{"", "-2"} {
		write()
		p, err := Compute(dir, files("v1"))
		if err != nil {
			t.Fatal(err)
		}
		warnings, err := p.Apply(true)
		if err != nil {
			t.Fatal(err)
		}
		for path, content := range edits {
			kept := path + ".before-regsetup" + suffix
			if got := read(t, filepath.Join(dir, kept)); got != content {
				t.Errorf("round %d: %s reads %q, want the edit %q", round, kept, got, content)
			}
			if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, kept) }) {
				t.Errorf("round %d: no warning names %s: %q", round, kept, warnings)
			}
			if actions(p)[path] != Replaced {
				t.Errorf("round %d: %s is %s, want replaced", round, path, actions(p)[path])
			}
		}
		if target, err := os.Readlink(filepath.Join(dir, generator.HTPasswd)); err != nil || target != ".current/httpd.htpasswd" {
			t.Errorf("round %d: the link was not restored: %q %v", round, target, err)
		}
		if got := read(t, filepath.Join(dir, generator.HTTPDConf)); got != "v1" {
			t.Errorf("round %d: auth/httpd.conf reads %q", round, got)
		}
	}
}

func TestForeignFileIsEdited(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, AuthDir), 0o755)
	os.WriteFile(filepath.Join(dir, generator.HTTPDConf), []byte("written by hand from the recipe"), 0o644)
	if _, err := apply(t, dir, files("v1"), false); !errors.Is(err, ErrEdited) {
		t.Errorf("a file regsetup never wrote must not be replaced silently, got %v", err)
	}
}

func TestDataIsNeverTouched(t *testing.T) {
	dir := t.TempDir()
	blob := filepath.Join(dir, "data", "docker", "registry", "blob")
	os.MkdirAll(filepath.Dir(blob), 0o755)
	os.WriteFile(blob, []byte("image data"), 0o644)
	mustApply(t, dir, files("v1"), false)
	mustApply(t, dir, files("v2"), false)
	if got := read(t, blob); got != "image data" {
		t.Errorf("registry data changed: %q", got)
	}
}

// TestNoTemporaryFilesLeft lists OUT and OUT/auth, where every temporary
// entry is made (staged compose file and state, staging set, new links),
// and wants nothing but the layout.
func TestNoTemporaryFilesLeft(t *testing.T) {
	dir := t.TempDir()
	mustApply(t, dir, files("v1"), false)
	mustApply(t, dir, files("v2"), false)
	want := []string{StateFile, AuthDir, "data", "docker-compose.yml"}
	slices.Sort(want)
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("OUT holds %q, want %q", got, want)
	}
	var sets, other []string
	for _, n := range names(t, filepath.Join(dir, AuthDir)) {
		switch {
		case setRE.MatchString(n):
			sets = append(sets, n)
		case n != CurrentLink && n != "httpd.conf" && n != "httpd.htpasswd":
			other = append(other, n)
		}
	}
	if len(sets) != 2 || len(other) > 0 {
		t.Errorf("auth/ holds sets %q and %q, want two sets and nothing else", sets, other)
	}
}

// TestInterruptedRunIsNotAnEdit: a run killed after the switch but before
// its final state save must not make its own files look edited.
func TestInterruptedRunIsNotAnEdit(t *testing.T) {
	dir := t.TempDir()
	mustApply(t, dir, files("v1"), false)
	old, _ := os.ReadFile(filepath.Join(dir, StateFile))
	mustApply(t, dir, files("v2"), false)
	var st state
	json.Unmarshal(old, &st)
	st.Staged = map[string]string{}
	for _, f := range files("v2") {
		st.Staged[f.Path] = digest(f.Data)
	}
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	p, err := apply(t, dir, files("v3"), false)
	if err != nil || actions(p)[generator.HTTPDConf] != Updated {
		t.Errorf("want updated, got %v (%v)", actions(p), err)
	}
}
