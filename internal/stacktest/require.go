package stacktest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/testenv"
)

const (
	apacheRoot     = "/usr/local/apache2"
	httpdBin       = apacheRoot + "/bin/httpd"
	registryBin    = "/usr/bin/docker-registry"
	ciSetupHint    = "run scripts/ci-setup.sh (installs docker-registry and util-linux, builds httpd 2.4 into /usr/local/apache2 via images/build.sh)"
	missingToolFmt = "stacktest: missing %s; %s"
)

// missing lists what the stack needs and the machine lacks.
func missing() []string {
	var m []string
	for _, f := range []string{httpdBin, registryBin} {
		if _, err := os.Stat(f); err != nil {
			m = append(m, f)
		}
	}
	for _, p := range []string{"mount", "sh"} {
		if _, err := exec.LookPath(p); err != nil {
			m = append(m, p)
		}
	}
	if os.Geteuid() != 0 {
		m = append(m, "root privileges (for mount and PID namespaces)")
	}
	return m
}

// Require skips the test when Apache, the registry, mount (util-linux) or
// root privileges are missing, or fails it when CI=true: CI must never
// silently skip these tests.
func Require(t testing.TB) {
	t.Helper()
	m := missing()
	if len(m) == 0 {
		return
	}
	if testenv.InCI() {
		t.Fatalf(missingToolFmt, strings.Join(m, ", "), ciSetupHint)
	}
	t.Skipf(missingToolFmt, strings.Join(m, ", "), ciSetupHint)
}
