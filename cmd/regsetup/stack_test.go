package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
)

// quickstartOn writes testdata/quickstart.yaml with another port.
func quickstartOn(t *testing.T, port string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "quickstart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(t.TempDir(), "regsetup.yaml")
	if err := os.WriteFile(spec, append(data, []byte("port: "+port+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestInitUpVerifyDown is the CI pipeline's one command: init --up
// --verify, then down, through the CLI with the real docker.
func TestInitUpVerifyDown(t *testing.T) {
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	spec := quickstartOn(t, "16047")
	t.Cleanup(func() { runCLI(t, "down", "--spec", spec, "--project", "cmd-initupverify") })
	code, stdout, stderr := runCLI(t, "init", "--spec", spec, "--project", "cmd-initupverify", "--up", "--verify", "--resolve", "myregistrydomain.com:16047:127.0.0.1", "--layer-size", "65536")
	if code != exitOK || !strings.Contains(stdout, "PASS: 8 passed, 0 failed") {
		t.Fatalf("init --up --verify: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "regsetup: ready in") {
		t.Errorf("no progress on stderr:\n%s", stderr)
	}
	if code, _, stderr := runCLI(t, "down", "--spec", spec, "--project", "cmd-initupverify"); code != exitOK {
		t.Fatalf("down: exit %d: %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "verify", "--spec", spec, "--resolve", "myregistrydomain.com:16047:127.0.0.1"); code != exitCannotRun {
		t.Errorf("verify after down: exit %d, want %d (could not run: nothing listens)", code, exitCannotRun)
	}
}

// TestUpWithoutDocker: a clear error and exit 7, no stack trace.
func TestUpWithoutDocker(t *testing.T) {
	spec := quickstartOn(t, "16048")
	t.Setenv("PATH", t.TempDir())
	code, _, stderr := runCLI(t, "up", "--spec", spec)
	if code != exitCannotRun || !strings.Contains(stderr, "docker is not installed") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestUpPortTaken: another program on the port is reported before
// anything starts.
func TestUpPortTaken(t *testing.T) {
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	l, err := net.Listen("tcp", ":16049")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	spec := quickstartOn(t, "16049")
	code, _, stderr := runCLI(t, "up", "--spec", spec, "--project", "cmd-porttaken")
	if code != exitCannotRun || !strings.Contains(stderr, "port 16049 is taken") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// TestDownNeedsNoSecrets: down works once the password variables are gone
// (as at the end of a CI job).
func TestDownNeedsNoSecrets(t *testing.T) {
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		testenv.Missing(t, "a running docker daemon")
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "regsetup.yaml")
	os.WriteFile(spec, []byte("domain: myregistrydomain.com\ntls: {generate: true}\nusers: [{name: ci, password_env: REGSETUP_TEST_GONE}]\naccess: {push: [ci]}\n"), 0o644)
	t.Setenv("REGSETUP_TEST_GONE", "a-password")
	if code, _, stderr := runCLI(t, "init", "--spec", spec); code != exitOK {
		t.Fatalf("init: %s", stderr)
	}
	os.Unsetenv("REGSETUP_TEST_GONE")
	if code, _, stderr := runCLI(t, "down", "--spec", spec, "--project", "cmd-downnosecrets"); code != exitOK {
		t.Errorf("down without the password variable: exit %d: %s", code, stderr)
	}
}

// composeCmds are the Compose implementations the day-2 tests run with.
var composeCmds = []struct{ name, cmd string }{{"v1", "docker-compose"}, {"v2", "docker compose"}}

// needComposeCmd is needCompose, plus the Compose implementation cmd.
func needComposeCmd(t *testing.T, cmd string) {
	t.Helper()
	needCompose(t)
	f := strings.Fields(cmd)
	testenv.Tool(t, f[0])
	if err := exec.Command(f[0], append(f[1:], "version")...).Run(); err != nil {
		testenv.Missing(t, cmd)
	}
}

// day2 is one stack a test changes: its spec folder, port and project.
type day2 struct {
	t                *testing.T
	dir, out         string // the spec's folder; the output folder (absolute)
	port             int
	project, compose string
	push             string // who may push
}

func newDay2(t *testing.T, compose, project string, port int) *day2 {
	t.Helper()
	needComposeCmd(t, compose)
	d := &day2{t: t, dir: t.TempDir(), port: port, project: project, compose: compose, push: "[pusher]"}
	d.out = d.dir
	d.newCertificate()
	d.writeSpec()
	t.Cleanup(func() {
		exec.Command("docker", "rm", "-f", "-v", d.apacheID(), d.containerID("registry")).Run()
		runCLI(t, d.args("down")...)
	})
	return d
}

func (d *day2) newCertificate() {
	d.t.Helper()
	cert, key, err := generator.GenerateCertificate("myregistrydomain.com", time.Now())
	if err != nil {
		d.t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.dir, "my.crt"), cert, 0o644)
	os.WriteFile(filepath.Join(d.dir, "my.key"), key, 0o600)
}

func (d *day2) writeSpec() {
	d.t.Helper()
	spec := fmt.Sprintf(`domain: myregistrydomain.com
port: %d
tls: {cert: my.crt, key: my.key}
users:
  - {name: testuser, password: testpassword}
  - {name: testuserpush, password: testpasswordpush}
groups:
  pusher: [testuserpush]
access:
  push: %s
`, d.port, d.push)
	if err := os.WriteFile(filepath.Join(d.dir, "regsetup.yaml"), []byte(spec), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// args prefixes a command with the stack's --spec, --project and --compose.
func (d *day2) args(cmd string, more ...string) []string {
	return append([]string{cmd, "--spec", filepath.Join(d.dir, "regsetup.yaml"), "--project", d.project, "--compose", d.compose}, more...)
}

// up runs `up --json` and returns "apache=ACTION registry=ACTION".
func (d *day2) up(more ...string) string {
	d.t.Helper()
	code, stdout, stderr := runCLI(d.t, d.args("up", append(more, "--json")...)...)
	if code != exitOK {
		d.t.Fatalf("up: exit %d\n%s%s", code, stdout, stderr)
	}
	var res struct {
		Services []struct{ Service, Action string }
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		d.t.Fatalf("up --json: %v\n%s", err, stdout)
	}
	var parts []string
	for _, s := range res.Services {
		parts = append(parts, s.Service+"="+s.Action)
	}
	return strings.Join(parts, " ")
}

func (d *day2) containerID(svc string) string {
	out, _ := exec.Command("docker", "ps", "-q", "--filter", "label=com.docker.compose.project="+d.project, "--filter", "label=com.docker.compose.service="+svc).Output()
	return strings.TrimSpace(string(out))
}

func (d *day2) apacheID() string { return d.containerID("apache") }

// inspect is docker inspect --format of the apache container.
func (d *day2) inspect(format string) string {
	d.t.Helper()
	out, err := exec.Command("docker", "inspect", "--format", format, d.apacheID()).CombinedOutput()
	if err != nil {
		d.t.Fatalf("docker inspect: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func (d *day2) client() *http.Client {
	s := &stacktest.Stack{Out: d.out, Addr: fmt.Sprintf("127.0.0.1:%d", d.port)}
	return s.Client(d.t)
}

// startUpload is what Apache answers testuser's start of a push.
func (d *day2) startUpload() int {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("https://myregistrydomain.com:%d/v2/day2/blobs/uploads/", d.port), nil)
	req.SetBasicAuth("testuser", "testpassword")
	resp, err := d.client().Do(req)
	if err != nil {
		d.t.Fatalf("starting an upload: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// served is the certificate Apache presents.
func (d *day2) served() []byte {
	d.t.Helper()
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", d.port), &tls.Config{ServerName: "myregistrydomain.com", InsecureSkipVerify: true})
	if err != nil {
		d.t.Fatalf("dialing apache: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Raw
}

func (d *day2) status() (int, string) {
	code, stdout, stderr := runCLI(d.t, d.args("status")...)
	return code, stdout + stderr
}

// TestUpAppliesChanges: up twice changes nothing; a rule change is
// reloaded gracefully (the container is not restarted) and in force; a new
// certificate is reloaded and served; an init without up shows in status
// (exit 4, naming the file) until up applies it. With Compose v1 and v2.
func TestUpAppliesChanges(t *testing.T) {
	for i, c := range composeCmds {
		t.Run(c.name, func(t *testing.T) {
			d := newDay2(t, c.cmd, "deploy-apply-"+c.name, 16150+i)
			if got := d.up(); got != "apache=started registry=started" {
				t.Fatalf("first up: %s", got)
			}
			if got := d.up(); got != "apache=unchanged registry=unchanged" {
				t.Errorf("second up: %s, want everything unchanged", got)
			}
			if code, out := d.status(); code != exitOK {
				t.Errorf("status after up: exit %d\n%s", code, out)
			}
			started := d.inspect("{{.State.StartedAt}}")
			if got := d.startUpload(); got != http.StatusForbidden {
				t.Fatalf("testuser may not push yet: got %d", got)
			}

			d.push = "[pusher, testuser]"
			d.writeSpec()
			if code, stdout, stderr := runCLI(t, d.args("init")...); code != exitOK {
				t.Fatalf("init: exit %d\n%s%s", code, stdout, stderr)
			}
			if code, out := d.status(); code != exitDrift || !strings.Contains(out, "auth/httpd.conf") {
				t.Errorf("status after init without up: exit %d, want %d naming auth/httpd.conf:\n%s", code, exitDrift, out)
			}
			if got := d.up(); got != "apache=reloaded registry=unchanged" {
				t.Errorf("up after a rule change: %s, want apache reloaded", got)
			}
			if got := d.inspect("{{.State.StartedAt}}"); got != started {
				t.Errorf("apache was restarted (StartedAt %s, was %s); a reload must not restart it", got, started)
			}
			if got := d.startUpload(); got != http.StatusAccepted {
				t.Errorf("the new rule is not in force: testuser's upload got %d, want 202", got)
			}
			if code, out := d.status(); code != exitOK {
				t.Errorf("status after up: exit %d\n%s", code, out)
			}

			d.newCertificate()
			if got := d.up(); got != "apache=reloaded registry=unchanged" {
				t.Errorf("up after a new certificate: %s, want apache reloaded", got)
			}
			want, _ := os.ReadFile(filepath.Join(d.out, "auth", "domain.crt"))
			if block, _ := pem.Decode(want); block == nil || !bytes.Equal(block.Bytes, d.served()) {
				t.Errorf("apache does not serve the new certificate")
			}
			if got := d.inspect("{{.State.StartedAt}}"); got != started {
				t.Errorf("apache was restarted for the certificate (StartedAt %s, was %s)", got, started)
			}
		})
	}
}

// TestUpRelativeOutAndOverride: `up --out m` (relative) works, and the
// user's docker-compose.override.yml next to the compose file is honoured
// (here: a label on the apache container). With Compose v1 and v2.
func TestUpRelativeOutAndOverride(t *testing.T) {
	for i, c := range composeCmds {
		t.Run(c.name, func(t *testing.T) {
			d := newDay2(t, c.cmd, "deploy-override-"+c.name, 16160+i)
			t.Chdir(d.dir)
			d.out = filepath.Join(d.dir, "m")
			if code, stdout, stderr := runCLI(t, d.args("init", "--out", "m")...); code != exitOK {
				t.Fatalf("init --out m: exit %d\n%s%s", code, stdout, stderr)
			}
			override := "services:\n  apache:\n    labels:\n      org.regsetup.test: from-the-override\n"
			if err := os.WriteFile(filepath.Join(d.out, "docker-compose.override.yml"), []byte(override), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := d.up("--out", "m"); got != "apache=started registry=started" {
				t.Fatalf("up --out m: %s", got)
			}
			if got := d.inspect(`{{index .Config.Labels "org.regsetup.test"}}`); got != "from-the-override" {
				t.Errorf("the override file's label is %q on apache", got)
			}
			if got := d.inspect(`{{range .Mounts}}{{.Source}} {{end}}`); !strings.Contains(got, filepath.Join(d.out, "auth")) {
				t.Errorf("apache mounts %q, want %s", got, filepath.Join(d.out, "auth"))
			}
			if code, stdout, stderr := runCLI(t, d.args("status", "--out", "m")...); code != exitOK {
				t.Errorf("status --out m: exit %d\n%s%s", code, stdout, stderr)
			}
			runCLI(t, d.args("down", "--out", "m")...)
		})
	}
}

// TestStatusNotRunning: status says 6 when nothing runs, and 7 when it
// cannot ask docker.
func TestStatusNotRunning(t *testing.T) {
	spec := quickstartOn(t, "16180")
	if code, _, stderr := runCLI(t, "init", "--spec", spec); code != exitOK {
		t.Fatalf("init: %s", stderr)
	}
	t.Run("docker missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		if code, _, stderr := runCLI(t, "status", "--spec", spec); code != exitCannotRun || !strings.Contains(stderr, "docker is not installed") {
			t.Errorf("exit %d, want %d; stderr:\n%s", code, exitCannotRun, stderr)
		}
	})
	t.Run("not running", func(t *testing.T) {
		needCompose(t)
		code, stdout, stderr := runCLI(t, "status", "--spec", spec, "--project", "deploy-status-none", "--json")
		if code != exitUnhealthy || !strings.Contains(stderr, "apache is missing") {
			t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUnhealthy, stderr)
		}
		var st struct {
			Services []struct{ Service, State string }
		}
		if err := json.Unmarshal([]byte(stdout), &st); err != nil || len(st.Services) != 2 || st.Services[0].State != "missing" {
			t.Errorf("status --json: %v\n%s", err, stdout)
		}
	})
}
