// Package testenv lets tests demand real tools (htpasswd, httpd, docker,
// the registry). Outside CI a missing tool skips the test with how to get
// it; under CI (CI set to a true value: true, 1, ...) it fails the run, so
// CI never passes by skipping. It is the one CI detector of the project.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// InCI reports whether the tests run under CI: CI holds a true value as
// strconv.ParseBool reads it (CI=true, as GitHub Actions and GitLab set it,
// or CI=1).
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Missing fails (under CI) or skips the test because of what.
func Missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is missing; under CI=true this fails instead of skipping (install it with scripts/ci-setup.sh)", what)
	}
	t.Skipf("%s is missing (scripts/ci-setup.sh installs it; under CI=true this test fails instead)", what)
}

// Tool returns the path of a program, from the first of paths that exists
// or else from PATH; when none is found the test is failed or skipped.
func Tool(t testing.TB, name string, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name)
	}
	return p
}

// Long skips a long test under -short, except under CI=true, where no
// test skips: why says what makes it long.
func Long(t testing.TB, why string) {
	t.Helper()
	if testing.Short() && !InCI() {
		t.Skipf("%s (-short)", why)
	}
}
