package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
)

// TestInitAsUser runs the built regsetup as a normal user (no root, not in
// group 1): the secure profile writes the password file and key mode 0640
// in the user's group — never world-readable — and runs Apache's workers
// with that group; the recipe, whose httpd.conf must stay the document's
// (`Group daemon`), is refused with the fix and writes nothing; a folder
// root wrote is refused saying whose it is. TestReadmeUse starts such a
// stack and logs in.
func TestInitAsUser(t *testing.T) {
	u := nonRoot(t)
	shared := sharedDir(t, u)
	bin := buildRegsetup(t, shared)
	run := func(dir string, args ...string) (int, string, string) {
		cmd := u.command(bin, args...)
		cmd.Dir = dir
		return runCaptured(t, cmd)
	}
	mkdir := func(name string) string {
		d := filepath.Join(shared, name)
		if b, err := u.command("mkdir", d).CombinedOutput(); err != nil {
			t.Fatalf("mkdir: %v\n%s", err, b)
		}
		return d
	}
	t.Run("secure", func(t *testing.T) {
		dir := mkdir("secure")
		copyQuickstart(t, dir)
		code, _, stderr := run(dir, "init")
		if code != exitOK || strings.Contains(stderr, "could not give it to group") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		for _, f := range []string{"httpd.htpasswd", "domain.key"} {
			st, err := os.Stat(filepath.Join(dir, "auth", f))
			if err != nil {
				t.Fatal(err)
			}
			gid, _ := fileGID(filepath.Join(dir, "auth", f))
			if st.Mode().Perm() != 0o640 || gid != u.gid {
				t.Errorf("auth/%s: mode %v group %d, want 0640 and the user's group %d", f, st.Mode().Perm(), gid, u.gid)
			}
		}
		conf, _ := os.ReadFile(filepath.Join(dir, "auth", "httpd.conf"))
		if !strings.Contains(string(conf), "\n    User daemon\n") || !strings.Contains(string(conf), "\n    Group #"+strconv.Itoa(u.gid)+"\n") {
			t.Errorf("httpd.conf does not run the workers as daemon with group %d", u.gid)
		}
		if !strings.Contains(stderr, "Group #"+strconv.Itoa(u.gid)) {
			t.Errorf("no note says the workers run with the user's group:\n%s", stderr)
		}
		if code, stdout, stderr := run(dir, "init"); code != exitOK || strings.Contains(stdout, "updated") {
			t.Errorf("a second init changes files: exit %d\n%s%s", code, stdout, stderr)
		}
	})
	t.Run("recipe is refused with the fix", func(t *testing.T) {
		dir := mkdir("recipe")
		for _, f := range []string{"recipe.yaml", "domain.crt", "domain.key"} {
			data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, f), data, 0o644)
		}
		code, stdout, stderr := run(dir, "init", "--spec", "recipe.yaml")
		if code != exitCannotRun || !strings.Contains(stderr, "sudo regsetup init") || !strings.Contains(stderr, "profile: secure") || strings.Contains(stdout, "created ") {
			t.Errorf("exit %d (want %d with the fix)\nstdout:\n%s\nstderr:\n%s", code, exitCannotRun, stdout, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "auth")); err == nil {
			t.Errorf("the refused init wrote auth/")
		}
	})
	if os.Geteuid() == 0 {
		t.Run("a folder root wrote", func(t *testing.T) {
			dir := mkdir("roots")
			copyQuickstart(t, dir)
			if code, _, stderr := runCLI(t, "init", "--spec", filepath.Join(dir, "regsetup.yaml")); code != exitOK {
				t.Fatalf("init as root: %s", stderr)
			}
			code, _, stderr := run(dir, "init")
			if code == exitOK || !strings.Contains(stderr, "another user, root perhaps, wrote this folder") {
				t.Errorf("exit %d, want a failure saying whose folder it is:\n%s", code, stderr)
			}
		})
	}
}
