package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// day2CommandTimeout bounds every regsetup command the day-2 test runs.
const day2CommandTimeout = 3 * time.Minute

// buildCLI builds cmd/regsetup into a temporary folder and returns the
// binary's path: the day-2 test runs the program as a user does.
func buildCLI(t *testing.T) string {
	t.Helper()
	gobin := testenv.Tool(t, "go")
	bin := filepath.Join(t.TempDir(), "regsetup")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", bin, "./cmd/regsetup")
	cmd.Dir = golden.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/regsetup: %v\n%s", err, out)
	}
	return bin
}

// cliRun is one user's shell: the binary, run in the spec's folder with
// the default --spec and a relative --out.
type cliRun struct {
	bin, dir string
	compose  string // --compose CMD
	project  string // --project NAME
}

// day2Out is the relative output folder every command gets.
const day2Out = "out"

// run runs `regsetup ARGS --out out` (plus the compose flags for up and
// down) in the spec's folder, logs what it printed and returns an error
// naming the command and its output when it fails.
func (c cliRun) run(t *testing.T, args ...string) error {
	t.Helper()
	args = append(args, "--out", day2Out)
	if args[0] == "up" || args[0] == "down" {
		args = append(args, "--compose", c.compose, "--project", c.project)
	}
	ctx, cancel := context.WithTimeout(context.Background(), day2CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = withoutRegsetupEnv(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return &cliError{args: args, err: err, stdout: stdout.String(), stderr: stderr.String()}
	}
	t.Logf("regsetup %s: %v\n%s%s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), stdout.String(), stderr.String())
	return nil
}

type cliError struct {
	args           []string
	err            error
	stdout, stderr string
}

func (e *cliError) Error() string {
	return "regsetup " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\nstdout:\n" + e.stdout + "stderr:\n" + e.stderr
}

func (e *cliError) Unwrap() error { return e.err }

// withoutRegsetupEnv drops REGSETUP_* variables, so the test's flags and
// defaults are the ones in force.
func withoutRegsetupEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "REGSETUP_") {
			out = append(out, kv)
		}
	}
	return out
}

// day2User is one account of the day-2 spec.
type day2User struct{ Name, Password string }

// day2State is what the day-2 spec says at one point of the run.
type day2State struct {
	Port    int
	Users   []day2User
	Catalog []string // who may list the catalog, besides the pushers group
}

var day2Spec = template.Must(template.New("day2").Parse(`domain: myregistrydomain.com
port: {{.Port}}
tls: {generate: true}
users:
{{- range .Users}}
  - {name: {{.Name}}, password: {{.Password}}}
{{- end}}
groups:
  pushers: [pusher]
access:
  catalog: [pushers{{range .Catalog}}, {{.}}{{end}}]
  rules:
    - {repos: "*", pull: authenticated, push: [pushers]}
`))

// write writes the state as dir/regsetup.yaml.
func (s day2State) write(t *testing.T, dir string) {
	t.Helper()
	var b bytes.Buffer
	if err := day2Spec.Execute(&b, s); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "regsetup.yaml"), b.Bytes())
}

// without returns the state without the user name.
func (s day2State) without(name string) day2State {
	var us []day2User
	for _, u := range s.Users {
		if u.Name != name {
			us = append(us, u)
		}
	}
	s.Users = us
	return s
}

// with returns the state with u added, or with u's password when the user
// exists.
func (s day2State) with(u day2User) day2State {
	us := append([]day2User{}, s.without(u.Name).Users...)
	s.Users = append(us, u)
	return s
}

// downAtEnd stops the stack and deletes its data when the test ends, and
// removes any container of the project that is left.
func downAtEnd(t *testing.T, c cliRun) {
	t.Cleanup(func() {
		if err := c.run(t, "down", "--delete-data"); err != nil {
			t.Errorf("down --delete-data: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project="+c.project).Output()
		if ids := strings.Fields(string(out)); err == nil && len(ids) > 0 {
			t.Errorf("containers of %s left after down: %v", c.project, ids)
			exec.CommandContext(ctx, "docker", append([]string{"rm", "-f"}, ids...)...).Run()
		}
	})
}

// containerLife is a service's container id, start time and restart
// count: it changes when the container is re-created or restarted.
func containerLife(t *testing.T, project, service string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids, err := exec.CommandContext(ctx, "docker", "ps", "-q", "--filter", "label=com.docker.compose.project="+project,
		"--filter", "label=com.docker.compose.service="+service).Output()
	if err != nil || len(strings.Fields(string(ids))) != 1 {
		t.Fatalf("the running %s container of %s: %q, %v", service, project, ids, err)
	}
	out, err := exec.CommandContext(ctx, "docker", "inspect", "-f", "{{.Id}} started {{.State.StartedAt}}, restarted {{.RestartCount}} times",
		strings.TrimSpace(string(ids))).Output()
	if err != nil {
		t.Fatalf("docker inspect: %v", err)
	}
	return strings.TrimSpace(string(out))
}
