package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/regsetup/regsetup/internal/testenv"
)

// testUserName is the normal user the non-root tests run regsetup as,
// when they run as root: every Debian system has it, so the tests add no
// account to the machine.
const testUserName = "nobody"

// account is a non-root user and how to run a command as them.
type account struct {
	name     string
	uid, gid int
	prefix   []string // prepended to the command line (setpriv ...)
}

// nonRoot is a user without root: the one running the tests when that is
// not root, else testUserName, run through setpriv with its own uid, gid
// and groups.
func nonRoot(t *testing.T) account {
	t.Helper()
	if os.Geteuid() != 0 {
		u, _ := osuser.Current()
		return account{name: u.Username, uid: os.Geteuid(), gid: os.Getegid()}
	}
	testenv.Tool(t, "setpriv")
	u, err := osuser.Lookup(testUserName)
	if err != nil {
		t.Fatalf("looking up the user %s to run as: %v", testUserName, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{name: u.Username, uid: uid, gid: gid,
		prefix: []string{"setpriv", "--reuid=" + u.Uid, "--regid=" + u.Gid, "--init-groups", "--"}}
}

// command is name args run as a.
func (a account) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, a.prefix...), name), args...)
	return exec.Command(argv[0], argv[1:]...)
}

// sharedDir is a new folder that a can reach (its parents opened to
// everyone: t.TempDir makes them 0700) and owns.
func sharedDir(t *testing.T, a account) string {
	t.Helper()
	d := t.TempDir()
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(d, a.uid, a.gid); err != nil && os.Geteuid() == 0 {
		t.Fatal(err)
	}
	return d
}

// buildRegsetup builds this command into dir and returns the binary.
func buildRegsetup(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "regsetup")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

// exitStatus is the exit code of a finished command (0 when err is nil);
// a command that could not run at all fails the test.
func exitStatus(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// runCaptured runs cmd and returns its exit code, stdout and stderr.
func runCaptured(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	code := exitStatus(t, cmd.Run())
	return code, o.String(), e.String()
}
