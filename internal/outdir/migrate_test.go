package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/testenv"
)

const legacySet = ".auth-0123456789ab"

// oldLayout makes what an earlier regsetup left, with the v1 files
// recorded in the state and a person's extra file: the previous release's
// auth -> .auth-<hex>/ link (legacy), or a plain auth/ folder.
func oldLayout(t *testing.T, dir string, legacy bool) string {
	t.Helper()
	folder := filepath.Join(dir, AuthDir)
	if legacy {
		folder = filepath.Join(dir, legacySet)
		if err := os.Symlink(legacySet, filepath.Join(dir, AuthDir)); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(folder, 0o755)
	p, err := Compute(dir, files("v1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.file != nil {
			os.WriteFile(filepath.Join(dir, c.Path), c.file.Data, c.file.Mode)
		}
	}
	os.WriteFile(filepath.Join(folder, "extra.conf"), []byte("mine"), 0o644)
	if err := p.record(); err != nil {
		t.Fatal(err)
	}
	return folder
}

func TestMigrateLegacyLink(t *testing.T) {
	for _, conf := range []string{"v1", "v2"} {
		t.Run(conf, func(t *testing.T) {
			dir := t.TempDir()
			old := oldLayout(t, dir, true)
			if w := PruneLegacy(dir); w != nil {
				t.Errorf("PruneLegacy before the migration: %q", w)
			}
			if _, err := os.Stat(old); err != nil {
				t.Fatalf("PruneLegacy deleted the folder auth still links to: %v", err)
			}
			p := mustApply(t, dir, files(conf), false)
			if !p.Remount {
				t.Errorf("Remount is false after replacing the link Apache mounted")
			}
			checkLayout(t, dir, "httpd.conf", "httpd.htpasswd")
			if read(t, filepath.Join(dir, generator.HTTPDConf)) != conf || read(t, filepath.Join(dir, AuthDir, "extra.conf")) != "mine" {
				t.Errorf("the new auth/ lacks the set or the person's extra file")
			}
			if read(t, filepath.Join(old, "httpd.conf")) != "v1" {
				t.Errorf("the old set must stay until PruneLegacy: a running Apache mounts it")
			}
			if left := names(t, dir); slices.ContainsFunc(left, func(n string) bool { return strings.HasPrefix(n, tmpPrefix) }) {
				t.Errorf("leftovers in OUT: %q", left)
			}
			if p := mustApply(t, dir, files(conf), false); p.Remount {
				t.Errorf("Remount again on the next run")
			}
			if w := PruneLegacy(dir); w != nil {
				t.Errorf("PruneLegacy: %q", w)
			}
			if _, err := os.Stat(old); !os.IsNotExist(err) || read(t, filepath.Join(dir, AuthDir, "extra.conf")) != "mine" {
				t.Errorf("PruneLegacy kept %s (%v) or lost the extra file", legacySet, err)
			}
		})
	}
}

func TestMigrateLegacyKeepsEdits(t *testing.T) {
	dir := t.TempDir()
	oldLayout(t, dir, true)
	os.WriteFile(filepath.Join(dir, generator.HTTPDConf), []byte("hand edit"), 0o644)
	if _, err := apply(t, dir, files("v2"), false); !errors.Is(err, ErrEdited) {
		t.Fatalf("want ErrEdited, got %v", err)
	}
	if target, err := os.Readlink(filepath.Join(dir, AuthDir)); err != nil || target != legacySet {
		t.Fatalf("a refused run changed auth: %q %v", target, err)
	}
	mustApply(t, dir, files("v2"), true)
	PruneLegacy(dir)
	if got := read(t, filepath.Join(dir, AuthDir, "httpd.conf.before-regsetup")); got != "hand edit" {
		t.Errorf("the edit is not kept in the new auth/: %q", got)
	}
}

func TestMigratePlainFolder(t *testing.T) {
	for _, conf := range []string{"v1", "v2"} {
		t.Run(conf, func(t *testing.T) {
			dir := t.TempDir()
			oldLayout(t, dir, false)
			p := mustApply(t, dir, files(conf), false)
			if !p.Remount {
				t.Errorf("Remount is false after replacing the folder Apache mounted")
			}
			checkLayout(t, dir, "httpd.conf", "httpd.htpasswd")
			if read(t, filepath.Join(dir, generator.HTTPDConf)) != conf || read(t, filepath.Join(dir, AuthDir, "extra.conf")) != "mine" {
				t.Errorf("the new auth/ lacks the set or the person's extra file")
			}
			if read(t, filepath.Join(dir, MigratedDir, "httpd.conf")) != "v1" || read(t, filepath.Join(dir, MigratedDir, "extra.conf")) != "mine" {
				t.Errorf("the old folder is not kept whole in %s", MigratedDir)
			}
		})
	}
}

func TestMigrationKeepsEditsFirst(t *testing.T) {
	dir := t.TempDir()
	oldLayout(t, dir, false)
	conf := filepath.Join(dir, generator.HTTPDConf)
	os.WriteFile(conf, []byte("hand edit"), 0o644)
	if _, err := apply(t, dir, files("v2"), false); !errors.Is(err, ErrEdited) {
		t.Fatalf("want ErrEdited, got %v", err)
	}
	if st, err := os.Lstat(filepath.Join(dir, AuthDir)); err != nil || !st.IsDir() {
		t.Fatalf("auth/ must stay the plain folder when the run is refused: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, MigratedDir)); !os.IsNotExist(err) {
		t.Errorf("a refused run moved the folder aside")
	}
	mustApply(t, dir, files("v2"), true)
	if got := read(t, filepath.Join(dir, MigratedDir, "httpd.conf")); got != "hand edit" {
		t.Errorf("the edited file is not kept in %s: %q", MigratedDir, got)
	}
}

// TestOwnLinkIsKept: auth/ as a person's link to a folder elsewhere stays
// that link; the layout is written inside the folder, their files there
// are edited as usual and stay.
func TestOwnLinkIsKept(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(t.TempDir(), "my-auth")
	os.Mkdir(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "httpd.conf"), []byte("my recipe"), 0o644)
	os.WriteFile(filepath.Join(mine, "notes"), []byte("mine"), 0o644)
	if err := os.Symlink(mine, filepath.Join(dir, AuthDir)); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(t, dir, files("v1"), false); !errors.Is(err, ErrEdited) {
		t.Fatalf("a file regsetup never wrote in the linked folder: want ErrEdited, got %v", err)
	}
	for _, v := range []string{"v1", "v2"} {
		if p := mustApply(t, dir, files(v), true); p.Remount {
			t.Errorf("Remount for a folder that was not replaced")
		}
		if target, err := os.Readlink(filepath.Join(dir, AuthDir)); err != nil || target != mine {
			t.Fatalf("the person's link was replaced: %q %v", target, err)
		}
		if got := read(t, filepath.Join(mine, "httpd.conf")); got != v {
			t.Errorf("%s/httpd.conf reads %q", mine, got)
		}
	}
	if _, err := os.Readlink(filepath.Join(mine, CurrentLink)); err != nil {
		t.Errorf("no .current in the linked folder: %v", err)
	}
	if read(t, filepath.Join(mine, "notes")) != "mine" || read(t, filepath.Join(mine, "httpd.conf.before-regsetup")) != "my recipe" {
		t.Errorf("the person's files in the linked folder are lost")
	}
}

// TestEmptyFolderIsUsedInPlace: an empty auth/ (docker makes one when it
// mounts a missing source) is written in, not replaced.
func TestEmptyFolderIsUsedInPlace(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, AuthDir), 0o755)
	ino := inode(t, filepath.Join(dir, AuthDir))
	if p := mustApply(t, dir, files("v1"), false); p.Remount || inode(t, filepath.Join(dir, AuthDir)) != ino {
		t.Errorf("the empty auth/ was replaced (Remount %v)", p.Remount)
	}
	checkLayout(t, dir, "httpd.conf")
}

// TestKilledMigrationIsRescued: a run killed between the exchange and the
// move aside leaves the plain folder under a temporary name; the next run
// keeps it as auth.before-regsetup rather than deleting it.
func TestKilledMigrationIsRescued(t *testing.T) {
	dir := t.TempDir()
	mustApply(t, dir, files("v1"), false)
	left := filepath.Join(dir, tmpPrefix+"0123456789abcdef")
	os.Mkdir(left, 0o755)
	os.WriteFile(filepath.Join(left, "httpd.conf"), []byte("hand made"), 0o644)
	built := filepath.Join(dir, tmpPrefix+"fedcba9876543210")
	os.Mkdir(built, 0o755)
	os.Symlink(".set-0123456789ab", filepath.Join(built, CurrentLink))
	mustApply(t, dir, files("v2"), false)
	if read(t, filepath.Join(dir, MigratedDir, "httpd.conf")) != "hand made" {
		t.Errorf("the person's folder was not kept")
	}
	if _, err := os.Lstat(built); !os.IsNotExist(err) {
		t.Errorf("regsetup's own unfinished folder was not deleted: %v", err)
	}
}

func TestMigrationFallbackWithoutExchange(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		dir := t.TempDir()
		old := oldLayout(t, dir, legacy)
		real := exchangeFunc
		exchangeFunc = func(a, b string) error { return errors.ErrUnsupported }
		p, err := apply(t, dir, files("v2"), false)
		exchangeFunc = real
		if err != nil || !p.Remount {
			t.Fatalf("legacy %v: %v, Remount %v", legacy, err, p.Remount)
		}
		checkLayout(t, dir, "httpd.conf")
		if !legacy {
			old = filepath.Join(dir, MigratedDir)
		}
		if read(t, filepath.Join(old, "extra.conf")) != "mine" {
			t.Errorf("legacy %v: the old folder is not kept", legacy)
		}
	}
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
