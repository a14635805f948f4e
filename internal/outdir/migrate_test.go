package outdir

import (
	"errors"
	"github.com/regsetup/regsetup/internal/testenv"
	"os"
	"path/filepath"
	"testing"

	"github.com/regsetup/regsetup/generator"
)

// plainAuth makes the older layout: auth/ a folder written by an earlier
// regsetup (state recorded), plus a person's extra file.
func plainAuth(t *testing.T, dir string) {
	t.Helper()
	p, err := Compute(dir, files("v1"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, AuthDir), 0o755)
	for _, c := range p.Changes {
		if c.file != nil {
			os.WriteFile(filepath.Join(dir, c.Path), c.file.Data, c.file.Mode)
		}
	}
	os.WriteFile(filepath.Join(dir, AuthDir, "extra.conf"), []byte("mine"), 0o644)
	if err := p.record(); err != nil {
		t.Fatal(err)
	}
}

func TestMigratePlainFolder(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf string
	}{{"unchanged set", "v1"}, {"changed set", "v2"}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			plainAuth(t, dir)
			if _, err := apply(t, dir, files(tc.conf), false); err != nil {
				t.Fatal(err)
			}
			authTarget(t, dir)
			if got, _ := os.ReadFile(filepath.Join(dir, generator.HTTPDConf)); string(got) != tc.conf {
				t.Errorf("auth/httpd.conf reads %q", got)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, AuthDir, "extra.conf")); string(got) != "mine" {
				t.Errorf("the extra file was not carried over: %q", got)
			}
			old, err := os.ReadFile(filepath.Join(dir, MigratedDir, "httpd.conf"))
			if err != nil || string(old) != "v1" {
				t.Errorf("the old folder is not kept whole in %s: %q %v", MigratedDir, old, err)
			}
		})
	}
}

func TestMigrationKeepsEditsFirst(t *testing.T) {
	dir := t.TempDir()
	plainAuth(t, dir)
	conf := filepath.Join(dir, generator.HTTPDConf)
	os.WriteFile(conf, []byte("hand edit"), 0o644)
	if _, err := apply(t, dir, files("v2"), false); !errors.Is(err, ErrEdited) {
		t.Fatalf("want ErrEdited, got %v", err)
	}
	if st, err := os.Lstat(filepath.Join(dir, AuthDir)); err != nil || !st.IsDir() {
		t.Fatalf("auth/ must stay the plain folder when the run is refused: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, MigratedDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run moved the folder aside")
	}
	if _, err := apply(t, dir, files("v2"), true); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, MigratedDir, "httpd.conf")); string(got) != "hand edit" {
		t.Errorf("the edited file is not kept in %s: %q", MigratedDir, got)
	}
}

func TestMigrationFallbackWithoutExchange(t *testing.T) {
	dir := t.TempDir()
	plainAuth(t, dir)
	if _, err := buildAndMigrate(t, dir, func(a, b string) error { return errors.ErrUnsupported }); err != nil {
		t.Fatal(err)
	}
	authTarget(t, dir)
	if _, err := os.Stat(filepath.Join(dir, MigratedDir, "extra.conf")); err != nil {
		t.Errorf("the old folder is not kept: %v", err)
	}
}

// buildAndMigrate runs a v2 apply with exchange replaced by fake.
func buildAndMigrate(t *testing.T, dir string, fake func(a, b string) error) (*Plan, error) {
	t.Helper()
	real := exchangeFunc
	exchangeFunc = fake
	t.Cleanup(func() { exchangeFunc = real })
	return apply(t, dir, files("v2"), false)
}

// TestExchangeHere: on this machine's temporary file system the migration
// takes its atomic path (renameat2 RENAME_EXCHANGE), not the fallback.
func TestExchangeHere(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "folder"), 0o755)
	os.Symlink("target", filepath.Join(dir, "link"))
	err := exchange(filepath.Join(dir, "link"), filepath.Join(dir, "folder"))
	if errors.Is(err, errors.ErrUnsupported) {
		testenv.Missing(t, "renameat2 RENAME_EXCHANGE on this file system (migration falls back to two renames): "+err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "folder")); err != nil || target != "target" {
		t.Errorf("not exchanged: %q %v", target, err)
	}
}
