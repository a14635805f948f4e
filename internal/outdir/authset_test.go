package outdir

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/regsetup/regsetup/generator"
)

// authTarget returns what dir/auth links to, failing when it is no link.
func authTarget(t *testing.T, dir string) string {
	t.Helper()
	target, err := os.Readlink(filepath.Join(dir, AuthDir))
	if err != nil {
		t.Fatalf("auth is not a link: %v", err)
	}
	if !versionRE.MatchString(target) {
		t.Errorf("auth links to %q, not to a versioned folder", target)
	}
	return target
}

func versions(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, VersionPrefix+"*"))
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

func TestAuthIsALinkToAVersion(t *testing.T) {
	dir := t.TempDir()
	if _, err := apply(t, dir, files("v1"), false); err != nil {
		t.Fatal(err)
	}
	v1 := authTarget(t, dir)
	st, err := os.Stat(filepath.Join(dir, v1))
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("versioned folder: %v, mode %v (want 0755: the daemon user must read it)", err, st.Mode().Perm())
	}
	hp, _ := os.Stat(filepath.Join(dir, v1, "httpd.htpasswd"))
	if hp.Mode().Perm() != 0o640 || (os.Geteuid() == 0 && hp.Sys().(*syscall.Stat_t).Gid != 1) {
		t.Errorf("htpasswd in the version: mode %v gid %d", hp.Mode().Perm(), hp.Sys().(*syscall.Stat_t).Gid)
	}
	if _, err := apply(t, dir, files("v1"), false); err != nil || authTarget(t, dir) != v1 {
		t.Errorf("an unchanged run switched the set: %v", err)
	}
	if _, err := apply(t, dir, files("v2"), false); err != nil {
		t.Fatal(err)
	}
	v2 := authTarget(t, dir)
	if got, _ := os.ReadFile(filepath.Join(dir, generator.HTTPDConf)); v2 == v1 || string(got) != "v2" {
		t.Errorf("second version %s (first %s) reads %q", v2, v1, got)
	}
	if _, err := apply(t, dir, files("v3"), false); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(versions(t, dir), " ")
	if strings.Contains(got, v1) || !strings.Contains(got, v2) || len(versions(t, dir)) != 2 {
		t.Errorf("want the current and the previous version only (previous %s), have %s", v2, got)
	}
}

func TestRollbackToPreviousContent(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"v1", "v2", "v1", "v1"} {
		if _, err := apply(t, dir, files(v), false); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, generator.HTTPDConf)); string(got) != v {
			t.Fatalf("after writing %s auth/httpd.conf reads %q", v, got)
		}
	}
}

func TestForceOverInPlaceEdit(t *testing.T) {
	dir := t.TempDir()
	if _, err := apply(t, dir, files("v1"), false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, generator.HTTPDConf), []byte("edit"), 0o644)
	p, err := apply(t, dir, files("v1"), true)
	if err != nil || actions(p)[generator.HTTPDConf] != Replaced {
		t.Fatalf("force: %v %v", err, actions(p))
	}
	if got, _ := os.ReadFile(filepath.Join(dir, generator.HTTPDConf)); string(got) != "v1" {
		t.Errorf("auth/httpd.conf reads %q", got)
	}
	if target := authTarget(t, dir); !strings.HasSuffix(target, "-2") {
		t.Errorf("the same set again should get a new name, got %s", target)
	}
}

// TestInterruptedRunIsNotAnEdit: a run killed after the switch but before
// its final state save must not make its own files look edited.
func TestInterruptedRunIsNotAnEdit(t *testing.T) {
	dir := t.TempDir()
	if _, err := apply(t, dir, files("v1"), false); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(filepath.Join(dir, StateFile))
	if _, err := apply(t, dir, files("v2"), false); err != nil {
		t.Fatal(err)
	}
	var st state
	json.Unmarshal(old, &st)
	st.Staged = map[string]string{generator.HTTPDConf: digest([]byte("v2"))}
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	p, err := apply(t, dir, files("v3"), false)
	if err != nil || actions(p)[generator.HTTPDConf] != Updated {
		t.Errorf("want updated, got %v (%v)", actions(p), err)
	}
}

func TestStaleLeftoversArePruned(t *testing.T) {
	dir := t.TempDir()
	if _, err := apply(t, dir, files("v1"), false); err != nil {
		t.Fatal(err)
	}
	stale := []string{stagingPrefix + "123", ".auth-0123456789ab"}
	for _, s := range stale {
		os.Mkdir(filepath.Join(dir, s), 0o755)
	}
	os.Symlink("x", filepath.Join(dir, linkPrefix+"1"))
	keep := []string{".auth-notes", "auth.bak", ".auth-0123456789ab.txt"}
	for _, k := range keep {
		os.Mkdir(filepath.Join(dir, k), 0o755)
	}
	if _, err := apply(t, dir, files("v2"), false); err != nil {
		t.Fatal(err)
	}
	for _, s := range append(stale, linkPrefix+"1") {
		if _, err := os.Lstat(filepath.Join(dir, s)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was not deleted", s)
		}
	}
	for _, k := range keep {
		if _, err := os.Stat(filepath.Join(dir, k)); err != nil {
			t.Errorf("%s is not regsetup's and was deleted", k)
		}
	}
}
