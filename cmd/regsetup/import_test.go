package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/spec"
)

// handMadeFolder is the document's folder as a person makes it by hand:
// auth/ with httpd.conf, httpd.htpasswd, httpd.groups, domain.crt and
// domain.key as plain files (rendered by the recipe profile, whose files
// are the document's), no regsetup state; plus one user whose hash is
// MD5 (htpasswd -m) and a per-repository section regsetup cannot carry
// over.
func handMadeFolder(t *testing.T) string {
	t.Helper()
	rendered := filepath.Join(t.TempDir(), "rendered")
	if err := os.MkdirAll(rendered, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"recipe.yaml", "domain.crt", "domain.key"} {
		data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		writeTestFile(t, filepath.Join(rendered, f), data)
	}
	if _, err := app.Init(app.InitOptions{Paths: app.Paths{Spec: filepath.Join(rendered, "recipe.yaml")}}); err != nil {
		t.Fatalf("rendering the document's files: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "registry")
	if err := os.MkdirAll(filepath.Join(dir, "auth"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"httpd.conf", "httpd.htpasswd", "httpd.groups", "domain.crt", "domain.key"} {
		data, err := os.ReadFile(filepath.Join(rendered, "auth", f)) // through auth/'s links: plain copies
		if err != nil {
			t.Fatal(err)
		}
		switch f {
		case "httpd.htpasswd":
			data = append(data, "carol:$apr1$6Yq1XqSw$0yZ1h4D3s6lq6yQk1Yw8r/\n"...)
		case "httpd.conf":
			data = append(data, "<LocationMatch \"^/v2/team/\">\n  Require group team\n</LocationMatch>\n"...)
		}
		writeTestFile(t, filepath.Join(dir, "auth", f), data)
	}
	return dir
}

func writeTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportCLI runs the built regsetup as a person would, from the
// hand-made folder with relative paths: import writes ./regsetup.yaml
// (0600) that loads as a spec with every bcrypt hash, the groups, the
// push/pull split, the domain and the port, and says on stderr what it
// could not carry over; run again it refuses (exit 5) and leaves the file
// as the person edited it; --force replaces it; --spec elsewhere points
// the certificate paths back at the folder; bad command lines exit 2 and
// a folder that is not the document's exits 3.
func TestImportCLI(t *testing.T) {
	bin := buildRegsetup(t, t.TempDir())
	dir := handMadeFolder(t)
	htpasswd, err := os.ReadFile(filepath.Join(dir, "auth", "httpd.htpasswd"))
	if err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, "regsetup.yaml")
	run := func(t *testing.T, cwd string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = cwd
		for _, kv := range os.Environ() { // the flags only: no REGSETUP_* of the caller's
			if !strings.HasPrefix(kv, envPrefix) {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		return runCaptured(t, cmd)
	}
	steps := []struct {
		name           string
		from           string // the folder it runs in: dir, or its parent with ".."
		args           []string
		before         func(t *testing.T)
		code           int
		stdout, stderr []string
		check          func(t *testing.T)
	}{
		{"first import", "", []string{"import", "."}, nil, exitOK,
			[]string{"wrote regsetup.yaml: next, regsetup init --spec regsetup.yaml --force (a hand-made auth/ is kept whole as auth.before-regsetup)\n"},
			[]string{`note: not carried over: user "carol": its hash is not a bcrypt hash`, `note: not carried over: <LocationMatch "^/v2/team/">`, "note: profile: secure", "note: regsetup verify logs in as a user who may push and one who may only pull"},
			func(t *testing.T) { checkImported(t, specPath, "secure", htpasswd) }},
		{"again without --force", "", []string{"import", "."}, func(t *testing.T) { appendTo(t, specPath, "# mine\n") }, exitEdited,
			nil, []string{"regsetup: regsetup.yaml already exists: import replaces a spec only with --force\n"},
			func(t *testing.T) {
				if b, _ := os.ReadFile(specPath); !bytes.HasSuffix(b, []byte("# mine\n")) {
					t.Errorf("the edited spec was replaced:\n%s", b)
				}
			}},
		{"again with --force and the recipe", "", []string{"import", "--force", "--profile", "recipe", "."}, nil, exitOK,
			[]string{"wrote regsetup.yaml: next, regsetup init --spec regsetup.yaml --force (a hand-made auth/ is kept whole as auth.before-regsetup)\n"}, []string{"note: not carried over: user \"carol\""},
			func(t *testing.T) {
				if b, _ := os.ReadFile(specPath); bytes.Contains(b, []byte("# mine")) {
					t.Errorf("--force kept the old spec:\n%s", b)
				}
				checkImported(t, specPath, "recipe", htpasswd)
			}},
		{"init as import says", "", []string{"init", "--spec", "regsetup.yaml", "--force"}, nil, exitOK,
			[]string{"replaced   auth/httpd.conf", "replaced   auth/httpd.htpasswd"}, []string{"kept, whole, as auth.before-regsetup"},
			func(t *testing.T) {
				kept, _ := os.ReadFile(filepath.Join(dir, "auth.before-regsetup", "httpd.htpasswd"))
				now, _ := os.ReadFile(filepath.Join(dir, "auth", "httpd.htpasswd"))
				if !bytes.Equal(kept, htpasswd) || bytes.Contains(now, []byte("carol:")) || !bytes.Equal(now, htpasswd[:bytes.Index(htpasswd, []byte("carol:"))]) {
					t.Errorf("want the hand-made password file kept whole and the rendered one = its bcrypt users, hashes kept:\nkept:\n%s\nnow:\n%s", kept, now)
				}
			}},
		{"spec elsewhere", "..", []string{"import", "--spec", "elsewhere.yaml", "registry"}, nil, exitOK,
			[]string{"wrote elsewhere.yaml: next, regsetup init --spec elsewhere.yaml --out registry --force (a hand-made auth/ is kept whole as auth.before-regsetup)\n"}, nil,
			func(t *testing.T) {
				path := filepath.Join(filepath.Dir(dir), "elsewhere.yaml")
				if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte(`cert: "registry/auth/domain.crt"`)) {
					t.Errorf("certificate path not relative to the spec:\n%s", b)
				}
				checkImported(t, path, "secure", htpasswd)
			}},
		{"no folder", "", []string{"import"}, nil, exitUsage, nil, []string{"import takes one folder, got 0 arguments"}, nil},
		{"two folders", "", []string{"import", ".", "auth"}, nil, exitUsage, nil, []string{"got 2 arguments"}, nil},
		{"bad profile", "", []string{"import", "--profile", "nginx", "."}, nil, exitUsage, nil, []string{`--profile "nginx": want secure or recipe`}, nil},
		{"not the document's folder", "", []string{"import", "auth"}, nil, exitInvalid, nil, []string{"cannot import the folder: reading the Apache config"}, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.before != nil {
				s.before(t)
			}
			cwd := dir
			if s.from == ".." {
				cwd = filepath.Dir(dir)
			}
			code, stdout, stderr := run(t, cwd, s.args...)
			if code != s.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, s.code, stdout, stderr)
			}
			for _, w := range s.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range s.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if s.check != nil {
				s.check(t)
			}
		})
	}
}

// checkImported loads the spec import wrote: the profile asked for, the
// document's domain and port, both users with the hashes of the password
// file (carol, MD5, left out), the pusher group, and the push/pull split.
func checkImported(t *testing.T, path, profile string, htpasswd []byte) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("spec mode %v, want 0600 (it holds the hashes)", fi.Mode().Perm())
	}
	m, err := spec.Load(path, spec.Options{})
	if err != nil {
		t.Fatalf("the imported spec does not load: %v", err)
	}
	if string(m.Profile) != profile || m.Domain != "myregistrydomain.com" || m.Port != 5043 {
		t.Errorf("got profile %s, %s:%d; want %s, myregistrydomain.com:5043", m.Profile, m.Domain, m.Port, profile)
	}
	var names []string
	for _, u := range m.Users {
		names = append(names, u.Name)
		if !bytes.Contains(htpasswd, []byte(u.Name+":"+u.Hash.Reveal()+"\n")) || u.Password != "" {
			t.Errorf("user %s: hash not the password file's", u.Name)
		}
	}
	if strings.Join(names, " ") != "testuser testuserpush" {
		t.Errorf("users %v, want testuser testuserpush", names)
	}
	if len(m.Groups) != 1 || m.Groups[0].Name != "pusher" || strings.Join(m.Groups[0].Members, " ") != "testuserpush" {
		t.Errorf("groups %+v, want pusher: testuserpush", m.Groups)
	}
	for _, c := range []struct {
		user       string
		pull, push bool
	}{{"testuser", true, false}, {"testuserpush", true, true}} {
		if m.CanPull(c.user, "any/repo") != c.pull || m.CanPush(c.user, "any/repo") != c.push {
			t.Errorf("%s: pull %v push %v, want %v %v", c.user, m.CanPull(c.user, "any/repo"), m.CanPush(c.user, "any/repo"), c.pull, c.push)
		}
	}
}
