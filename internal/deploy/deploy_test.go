package deploy

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/execx"
	_ "github.com/regsetup/regsetup/internal/golden"
)

// fakeRunner answers commands by the longest matching prefix of their
// command line, and records what ran.
type fakeRunner struct {
	answers map[string]fakeAnswer
	ran     []string
}

type fakeAnswer struct {
	out string
	err error
}

func (f *fakeRunner) Output(_ context.Context, c execx.Cmd) ([]byte, error) {
	line := c.String()
	f.ran = append(f.ran, line)
	best := -1
	var a fakeAnswer
	for prefix, ans := range f.answers {
		if strings.HasPrefix(line, prefix) && len(prefix) > best {
			best, a = len(prefix), ans
		}
	}
	if best < 0 {
		return nil, &execx.Error{Cmd: line, Err: exec.ErrNotFound}
	}
	if a.err != nil {
		return []byte(a.out), &execx.Error{Cmd: line, Output: a.out, Err: a.err}
	}
	return []byte(a.out), nil
}

var failed = errors.New("exit status 1")

func TestDetectCompose(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answers  map[string]fakeAnswer
		override string
		want     string
		err      error
	}{
		{"v2 plugin", map[string]fakeAnswer{"docker compose version": {}, "docker-compose version": {}}, "", "docker compose", nil},
		{"only v1", map[string]fakeAnswer{"docker compose version": {err: failed}, "docker-compose version": {}}, "", "docker-compose", nil},
		{"override", map[string]fakeAnswer{"docker compose version": {}, "docker-compose version": {}}, "docker-compose", "docker-compose", nil},
		{"none", map[string]fakeAnswer{}, "", "", ErrEnvironment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DetectCompose(context.Background(), &fakeRunner{answers: tc.answers}, tc.override)
			if !errors.Is(err, tc.err) || strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

// healthy answers every check a good machine passes.
func healthy() map[string]fakeAnswer {
	return map[string]fakeAnswer{
		"docker info":                    {out: "20.10.24"},
		"docker compose version":         {out: "v2"},
		"docker image inspect":           {out: "sha256:x"},
		"docker run --rm --network none": {out: "Syntax OK"},
		"docker ps -a":                   {out: ""},
	}
}

func TestUpRefusesEarly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change map[string]fakeAnswer
		err    error
		says   string
	}{
		{"docker missing", map[string]fakeAnswer{"docker info": {err: exec.ErrNotFound}}, ErrEnvironment, "docker is not installed"},
		{"daemon down", map[string]fakeAnswer{"docker info": {out: "Cannot connect to the Docker daemon", err: failed}}, ErrEnvironment, "daemon does not answer"},
		{"image missing", map[string]fakeAnswer{"docker image inspect --format {{.Id}} httpd:2.4": {err: failed}}, ErrEnvironment, "images/build.sh"},
		{"config rejected", map[string]fakeAnswer{"docker run --rm --network none": {out: "AH00534: httpd: Configuration error: No MPM loaded.", err: failed}}, ErrUnhealthy, "AH00534"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answers := healthy()
			for k, v := range tc.change {
				answers[k] = v
			}
			f := &fakeRunner{answers: answers}
			_, err := Up(context.Background(), Options{Dir: t.TempDir(), Domain: "myregistrydomain.com", Port: 5043, ApacheImage: "httpd:2.4", RegistryImage: "registry:2", Runner: f})
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v; want %v saying %q", err, tc.err, tc.says)
			}
			for _, line := range f.ran {
				if strings.Contains(line, " up ") || strings.HasSuffix(line, " up -d") {
					t.Errorf("the stack was started despite the failed check: %s", line)
				}
			}
		})
	}
}

func TestStates(t *testing.T) {
	f := newFakeDocker(t, "/x/auth").running()
	f.ctrs["apache"].State = "exited"
	c := &Compose{Runner: f, Command: []string{"docker", "compose"}, File: "/x/docker-compose.yml", Project: "x"}
	got := c.States(context.Background())
	if got["apache"] != "exited" || got["registry"] != "running" || len(got) != 2 {
		t.Errorf("States = %v", got)
	}
}

func TestDownKeepsData(t *testing.T) {
	for _, del := range []bool{false, true} {
		dir := t.TempDir()
		blob := filepath.Join(dir, "data", "docker", "blob")
		os.MkdirAll(filepath.Dir(blob), 0o755)
		os.WriteFile(blob, []byte("image"), 0o644)
		f := &fakeRunner{answers: healthy()}
		f.answers["docker compose -f"] = fakeAnswer{}
		if err := Down(context.Background(), Options{Dir: dir, Runner: f}, del); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(blob)
		if kept := err == nil; kept == del {
			t.Errorf("deleteData=%v: blob kept=%v", del, kept)
		}
		if _, err := os.Stat(filepath.Join(dir, "data")); err != nil {
			t.Errorf("data/ itself must stay: %v", err)
		}
		if !strings.Contains(strings.Join(f.ran, "\n"), "down --remove-orphans") {
			t.Errorf("compose down did not run: %v", f.ran)
		}
	}
}

func TestProjectName(t *testing.T) {
	for in, want := range map[string]string{"/srv/My Registry": "myregistry", "/tmp/x.y-z_1": "xy-z_1", "/srv/-reg_": "reg_", "/": "regsetup"} {
		if got := ProjectName(in); got != want {
			t.Errorf("ProjectName(%q) = %q, want %q", in, got, want)
		}
	}
}
