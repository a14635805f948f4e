package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/regsetup/regsetup/generator"
	_ "github.com/regsetup/regsetup/internal/golden"
)

func files(conf string) []generator.File {
	return []generator.File{
		{Path: generator.HTTPDConf, Data: []byte(conf), Mode: 0o644},
		{Path: generator.HTPasswd, Data: []byte("u:$2y$05$x\n\n"), Mode: 0o640, Private: true, GID: 1},
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

func actions(p *Plan) map[string]Action {
	out := map[string]Action{}
	for _, c := range p.Changes {
		out[c.Path] = c.Action
	}
	return out
}

func TestWriteAndRerun(t *testing.T) {
	dir := t.TempDir()
	p, err := apply(t, dir, files("v1"), false)
	if err != nil {
		t.Fatal(err)
	}
	if a := actions(p); a[generator.HTTPDConf] != Created || a["data/"] != Created {
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
	p, _ = apply(t, dir, files("v1"), false)
	if a := actions(p); a[generator.HTTPDConf] != Unchanged || len(p.Pending()) != 0 {
		t.Errorf("second run: %v", a)
	}
	p, err = apply(t, dir, files("v2"), false)
	if err != nil || actions(p)[generator.HTTPDConf] != Updated {
		t.Errorf("own file with new content: %v, %v", actions(p), err)
	}
}

func TestEditedFileIsKept(t *testing.T) {
	dir := t.TempDir()
	if _, err := apply(t, dir, files("v1"), false); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, generator.HTTPDConf)
	os.WriteFile(conf, []byte("my edit"), 0o644)
	before, _ := os.ReadFile(filepath.Join(dir, generator.HTPasswd))
	changed := files("v2")
	changed[1].Data = []byte("u:$2y$05$y\n\n")
	p, err := apply(t, dir, changed, false)
	if !errors.Is(err, ErrEdited) || actions(p)[generator.HTTPDConf] != Edited {
		t.Fatalf("want ErrEdited for an edited file, got %v (%v)", err, actions(p))
	}
	if got, _ := os.ReadFile(conf); string(got) != "my edit" {
		t.Errorf("the edited file was overwritten")
	}
	if after, _ := os.ReadFile(filepath.Join(dir, generator.HTPasswd)); string(after) != string(before) {
		t.Errorf("other files were written although the run failed")
	}
	if _, err := apply(t, dir, changed, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(conf); string(got) != "v2" {
		t.Errorf("--force did not replace the edited file")
	}
}

func TestForeignFileIsEdited(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "auth"), 0o755)
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
	if _, err := apply(t, dir, files("v1"), false); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(blob); err != nil || string(got) != "image data" {
		t.Errorf("registry data changed: %q %v", got, err)
	}
}

func TestNoTemporaryFilesLeft(t *testing.T) {
	dir := t.TempDir()
	if _, err := apply(t, dir, files("v1"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(t, dir, files("v2"), false); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "auth", ".*tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
