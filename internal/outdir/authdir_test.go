package outdir

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
)

// checkLayout fails unless dir/auth is a real folder whose artifact links
// (names) resolve through .current to one set folder, and returns that set.
func checkLayout(t *testing.T, dir string, names ...string) string {
	t.Helper()
	auth := filepath.Join(dir, AuthDir)
	if st, err := os.Lstat(auth); err != nil || !st.IsDir() {
		t.Fatalf("auth is not a real folder: %v", err)
	}
	set, err := CurrentSet(dir)
	if err != nil || !setRE.MatchString(set) {
		t.Fatalf("auth/.current points to %q (%v), not to a set", set, err)
	}
	if st, err := os.Stat(filepath.Join(auth, set)); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("set folder %s: %v (want mode 0755: the daemon user must read it)", set, err)
	}
	for _, n := range names {
		if target, err := os.Readlink(filepath.Join(auth, n)); err != nil || target != ".current/"+n {
			t.Errorf("auth/%s is not the link .current/%s: %q %v", n, n, target, err)
		}
		if _, err := os.Stat(filepath.Join(auth, n)); err != nil {
			t.Errorf("auth/%s does not resolve: %v", n, err)
		}
	}
	return set
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

func sets(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, n := range names(t, filepath.Join(dir, AuthDir)) {
		if setRE.MatchString(n) {
			out = append(out, n)
		}
	}
	return out
}

// TestLayout: links resolve to the newest set after every apply, auth/ is
// the same folder (inode) throughout, and the modes are right.
func TestLayout(t *testing.T) {
	dir := t.TempDir()
	if set, err := CurrentSet(dir); err != nil || set != "" {
		t.Errorf("CurrentSet before any write: %q %v", set, err)
	}
	mustApply(t, dir, files("v0"), false)
	ino := inode(t, filepath.Join(dir, AuthDir))
	prev := checkLayout(t, dir, "httpd.conf", "httpd.htpasswd")
	for i := 1; i <= 30; i++ {
		conf := fmt.Sprintf("v%d", i%3)
		p := mustApply(t, dir, files(conf), false)
		if p.Remount {
			t.Errorf("apply %d: Remount on a folder already in the layout", i)
		}
		set := checkLayout(t, dir, "httpd.conf", "httpd.htpasswd")
		if set == prev {
			t.Errorf("apply %d: a changed set did not switch (%s)", i, set)
		}
		prev = set
		if got := read(t, filepath.Join(dir, generator.HTTPDConf)); got != conf {
			t.Fatalf("apply %d: auth/httpd.conf reads %q, want %q", i, got, conf)
		}
		if got := inode(t, filepath.Join(dir, AuthDir)); got != ino {
			t.Fatalf("apply %d: auth/ was replaced (inode %d, was %d): a bind mount would keep the old folder", i, got, ino)
		}
	}
	hp, _ := os.Stat(filepath.Join(dir, generator.HTPasswd))
	if hp.Mode().Perm() != 0o640 || (os.Geteuid() == 0 && hp.Sys().(*syscall.Stat_t).Gid != 1) {
		t.Errorf("htpasswd in the set: mode %v gid %d", hp.Mode().Perm(), hp.Sys().(*syscall.Stat_t).Gid)
	}
	mustApply(t, dir, files("v0"), false)
	if set := checkLayout(t, dir); set != prev {
		t.Errorf("an unchanged run switched the set from %s to %s", prev, set)
	}
}

// TestPruneKeepsCurrentAndPrevious, and deletes only regsetup's leftovers.
func TestPruneKeepsCurrentAndPrevious(t *testing.T) {
	dir := t.TempDir()
	auth := filepath.Join(dir, AuthDir)
	mustApply(t, dir, files("v1"), false)
	mustApply(t, dir, files("v2"), false)
	previous := checkLayout(t, dir)
	stale := []string{".set-0123456789ab", tmpPrefix + "00112233445566aa"}
	for _, s := range stale {
		os.Mkdir(filepath.Join(auth, s), 0o755)
	}
	os.Symlink("x", filepath.Join(auth, tmpPrefix+"00112233445566bb"))
	keep := []string{".set-notes", "notes.txt", ".set-0123456789ab.txt"}
	for _, k := range keep {
		os.WriteFile(filepath.Join(auth, k), []byte("mine"), 0o644)
	}
	mustApply(t, dir, files("v3"), false)
	current := checkLayout(t, dir)
	if got := sets(t, dir); !slices.Equal(got, slices.Sorted(slices.Values([]string{current, previous}))) {
		t.Errorf("sets %q, want the current %s and the previous %s", got, current, previous)
	}
	for _, s := range append(stale, tmpPrefix+"00112233445566bb") {
		if _, err := os.Lstat(filepath.Join(auth, s)); !os.IsNotExist(err) {
			t.Errorf("%s was not deleted", s)
		}
	}
	for _, k := range keep {
		if read(t, filepath.Join(auth, k)) != "mine" {
			t.Errorf("%s is not regsetup's and was deleted", k)
		}
	}
}

// TestRerunDeletesASetLeftByAKill: a run killed between the switch and
// its prune leaves a third, older set; the next run, with nothing to
// change, deletes it and keeps the current and the previous one.
func TestRerunDeletesASetLeftByAKill(t *testing.T) {
	dir := t.TempDir()
	auth := filepath.Join(dir, AuthDir)
	mustApply(t, dir, files("v1"), false)
	mustApply(t, dir, files("v2"), false)
	current := checkLayout(t, dir)
	previous := slices.DeleteFunc(sets(t, dir), func(n string) bool { return n == current })[0]
	older := filepath.Join(auth, ".set-0123456789ab")
	if err := os.Mkdir(older, 0o755); err != nil {
		t.Fatal(err)
	}
	hour := time.Now().Add(-time.Hour)
	if err := os.Chtimes(older, hour, hour); err != nil {
		t.Fatal(err)
	}
	mustApply(t, dir, files("v2"), false)
	if got := checkLayout(t, dir); got != current {
		t.Fatalf("an unchanged run switched the set from %s to %s", current, got)
	}
	if got := sets(t, dir); !slices.Equal(got, slices.Sorted(slices.Values([]string{current, previous}))) {
		t.Errorf("sets %q, want the current %s and the previous %s", got, current, previous)
	}
}

func TestRollbackToPreviousContent(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"v1", "v2", "v1", "v1", "v2"} {
		mustApply(t, dir, files(v), false)
		if got := read(t, filepath.Join(dir, generator.HTTPDConf)); got != v {
			t.Fatalf("after writing %s auth/httpd.conf reads %q", v, got)
		}
	}
}

// TestReaderNeverSeesAPart reads every artifact through auth/ while 200
// switches happen: each read gives one whole file of some set.
func TestReaderNeverSeesAPart(t *testing.T) {
	dir := t.TempDir()
	big := func(i int) []generator.File {
		f := files(fmt.Sprintf("%03d", i) + strings.Repeat("x", 16<<10))
		return f[:2]
	}
	mustApply(t, dir, big(0), false)
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for range 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, f := range big(0) {
					b, err := os.ReadFile(filepath.Join(dir, f.Path))
					if err == nil && len(b) != len(f.Data) {
						err = fmt.Errorf("%s: read %d bytes, a whole one has %d", f.Path, len(b), len(f.Data))
					}
					if err != nil {
						select {
						case errs <- err:
						default:
						}
						return
					}
					reads.Add(1)
				}
				time.Sleep(20 * time.Microsecond) // leave the writer some CPU
			}
		}()
	}
	for i := 1; i <= 200 && len(errs) == 0; i++ {
		mustApply(t, dir, big(i), false)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a reader during the switches: %v", err)
	}
	t.Logf("%d reads during 200 switches", reads.Load())
}

// TestExtraFilesStay: a person's files and folders in auth/ survive applies.
func TestExtraFilesStay(t *testing.T) {
	dir := t.TempDir()
	mustApply(t, dir, files("v1"), false)
	auth := filepath.Join(dir, AuthDir)
	os.WriteFile(filepath.Join(auth, "extra.conf"), []byte("mine"), 0o644)
	os.Mkdir(filepath.Join(auth, "conf.d"), 0o755)
	os.WriteFile(filepath.Join(auth, "conf.d", "a.conf"), []byte("mine too"), 0o644)
	for _, v := range []string{"v2", "v3", "v4"} {
		mustApply(t, dir, files(v), false)
	}
	if read(t, filepath.Join(auth, "extra.conf")) != "mine" || read(t, filepath.Join(auth, "conf.d", "a.conf")) != "mine too" {
		t.Errorf("a person's files in auth/ did not survive")
	}
}

// TestDroppedArtifactLeavesNoLink: a file no longer rendered (authcache.lua
// after a profile change) loses its link rather than leaving it dangling.
func TestDroppedArtifactLeavesNoLink(t *testing.T) {
	dir := t.TempDir()
	with := append(files("v1"), generator.File{Path: generator.AuthCache, Data: []byte("lua"), Mode: 0o644})
	mustApply(t, dir, with, false)
	checkLayout(t, dir, "authcache.lua")
	mustApply(t, dir, files("v2"), false)
	if _, err := os.Lstat(filepath.Join(dir, generator.AuthCache)); !os.IsNotExist(err) {
		t.Errorf("auth/authcache.lua is still there (%v) though no set has it", err)
	}
}

// TestRepairsAPlainFileOfTheSameContent: a link replaced by a copy of the
// same content is made a link again, without --force (nothing is lost).
func TestRepairsAPlainFileOfTheSameContent(t *testing.T) {
	dir := t.TempDir()
	mustApply(t, dir, files("v1"), false)
	conf := filepath.Join(dir, generator.HTTPDConf)
	os.Remove(conf)
	os.WriteFile(conf, []byte("v1"), 0o644)
	mustApply(t, dir, files("v1"), false)
	checkLayout(t, dir, "httpd.conf", "httpd.htpasswd")
}
