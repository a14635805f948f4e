package stacktest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/regsetup/regsetup/generator"
)

// nsScript runs as PID 1 of a private PID and mount namespace: it
// bind-mounts $1/auth (the OUT folder's) over conf, $2 over logs and $3 over
// /etc/hosts, and $1/data, when there is one, read-only over the registry
// container's data path (as docker-compose.yml mounts it for
// apache.serve_blobs; the empty mount point is made once on the machine),
// then execs the rest of its arguments (httpd), which keeps PID 1.
const nsScript = `set -e
mount --bind "$1/auth" ` + apacheRoot + `/conf
mount --bind "$2" ` + apacheRoot + `/logs
mount --bind "$3" /etc/hosts
if [ -d "$1/data" ]; then
  mkdir -p ` + generator.RegistryDataDir + `
  mount -o bind,ro "$1/data" ` + generator.RegistryDataDir + `
fi
shift 3
exec "$@"`

// httpdCmd runs httpd with args in private namespaces over the OUT folder
// out, logsDir and hostsFile. The mount namespace keeps the bind mounts away from the
// machine (Go makes its mounts private); the PID namespace makes the kernel
// kill every httpd worker when httpd's parent process dies, however it dies.
func httpdCmd(ctx context.Context, out, logsDir, hostsFile string, args ...string) *exec.Cmd {
	argv := []string{"-c", nsScript, "stacktest-ns", out, logsDir, hostsFile,
		httpdBin, "-d", apacheRoot, "-f", apacheRoot + "/conf/httpd.conf"}
	cmd := exec.CommandContext(ctx, "sh", append(argv, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:   syscall.CLONE_NEWPID,
		Unshareflags: syscall.CLONE_NEWNS,
	}
	return cmd
}

// hostsFor is an /etc/hosts keeping the machine's lines for localhost and
// its own hostname (httpd looks it up at start) and mapping "registry" to
// registryIP.
func hostsFor(registryIP string) []byte {
	keep := []string{"localhost"}
	if h, err := os.Hostname(); err == nil && h != "" {
		keep = append(keep, h)
	}
	var b bytes.Buffer
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	if f, err := os.Open("/etc/hosts"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			names := strings.Fields(line)
			if len(names) > 1 && containsAny(names[1:], keep) && !containsAny(names[1:], []string{"registry"}) {
				b.WriteString(line + "\n")
			}
		}
	}
	fmt.Fprintf(&b, "%s\tregistry\n", registryIP)
	return b.Bytes()
}

func containsAny(words, any []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return slices.Contains(any, w) })
}

// nsDirs prepares a logs dir and a hosts file under dir for one httpd run.
func nsDirs(dir, registryIP string) (logsDir, hostsFile string, err error) {
	logsDir = filepath.Join(dir, "apache-logs")
	if err := os.MkdirAll(logsDir, 0o755); err != nil {
		return "", "", fmt.Errorf("creating apache logs dir: %w", err)
	}
	hostsFile = filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostsFile, hostsFor(registryIP), 0o644); err != nil {
		return "", "", fmt.Errorf("writing hosts file: %w", err)
	}
	return logsDir, hostsFile, nil
}

// ConfigTest runs "httpd -t" on out/auth/httpd.conf in the same namespace
// setup as Start and returns httpd's combined output ("Syntax OK" on
// success; e.g. AH00534 "No MPM loaded" for the unmodified recipe).
func ConfigTest(out string) (output string, err error) {
	out, err = filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("locating out dir: %w", err)
	}
	dir, err := os.MkdirTemp("", "stacktest-configtest-")
	if err != nil {
		return "", fmt.Errorf("creating temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	logsDir, hostsFile, err := nsDirs(dir, "127.0.0.1")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := httpdCmd(ctx, out, logsDir, hostsFile, "-t").CombinedOutput()
	if err != nil {
		return string(b), fmt.Errorf("httpd -t: %w", err)
	}
	return string(b), nil
}

// listenPort returns the port of the first Listen directive in conf
// ("Listen 5043", "Listen 0.0.0.0:5043", "Listen [::]:5043 https").
func listenPort(conf []byte) (int, error) {
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || !strings.EqualFold(fields[0], "Listen") {
			continue
		}
		p := fields[1]
		if _, port, err := net.SplitHostPort(p); err == nil {
			p = port
		}
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return 0, fmt.Errorf("bad Listen directive %q", sc.Text())
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("reading config: %w", err)
	}
	return 0, fmt.Errorf("no Listen directive")
}
