package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
)

// actions is "apache=started registry=started".
func actions(r *Result) string {
	var parts []string
	for _, s := range r.Services {
		parts = append(parts, s.Service+"="+string(s.Action))
	}
	return strings.Join(parts, " ")
}

// TestUpDecides: what up does to a running (or not running) stack, with
// a fake docker: the action per service, and the commands that must (not)
// run for it.
func TestUpDecides(t *testing.T) {
	edit := func(t *testing.T, dir string) {
		os.WriteFile(filepath.Join(dir, "auth", "httpd.conf"), []byte("Listen 5043\n# a rule changed\n"), 0o644)
	}
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string, f *fakeDocker) // after a first up
		first   bool                                          // run a first up (the stack runs, with a record)
		want    string
		err     error
		must    []string // command fragments that must have run (in the second up)
		mustNot []string
	}{
		{name: "not running: started", want: "apache=started registry=started", must: []string{"docker run --rm --network none", " up -d"}, mustNot: []string{"kill"}},
		{name: "nothing changed: unchanged", first: true, want: "apache=unchanged registry=unchanged",
			mustNot: []string{"kill", "httpd -t", "docker run", "--force-recreate"}},
		{name: "htpasswd changed: unchanged (read on every request)", first: true, want: "apache=unchanged registry=unchanged",
			prepare: func(t *testing.T, dir string, f *fakeDocker) {
				os.WriteFile(filepath.Join(dir, "auth", "httpd.htpasswd"), []byte("v:y\n"), 0o644)
			}, mustNot: []string{"kill", "httpd -t"}},
		{name: "httpd.conf changed: reloaded", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) { edit(t, dir) },
			want: "apache=reloaded registry=unchanged", must: []string{"exec -T apache httpd -t", "kill --signal USR1 apache", "docker logs --since"}, mustNot: []string{"--force-recreate", "docker run"}},
		{name: "certificate changed: reloaded", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			writePair(t, filepath.Join(dir, "auth"))
		}, want: "apache=reloaded registry=unchanged", must: []string{"kill --signal USR1"}},
		{name: "httpd -t fails in the container: refused", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			edit(t, dir)
			f.httpdT = failed
		}, err: ErrReloadRefused, must: []string{"exec -T apache httpd -t"}, mustNot: []string{"kill"}},
		{name: "key does not match the certificate: refused", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			_, key, _ := generator.GenerateCertificate(testDomain, time.Now())
			os.WriteFile(filepath.Join(dir, "auth", "domain.key"), key, 0o644)
		}, err: ErrReloadRefused, mustNot: []string{"kill"}},
		{name: "no record of what apache loaded: reloaded", prepare: func(t *testing.T, dir string, f *fakeDocker) { f.running() },
			want: "apache=reloaded registry=unchanged", must: []string{"kill --signal USR1"}},
		{name: "auth/ replaced under the container: recreated", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			f.inode = "1:1"
		}, want: "apache=recreated registry=unchanged", must: []string{"up -d --no-deps --force-recreate apache", "docker run --rm"}, mustNot: []string{"kill"}},
		{name: "mounts another folder: recreated", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			f.ctrs["apache"].ConfSource = filepath.Join(dir, ".auth-0123456789ab")
		}, want: "apache=recreated registry=unchanged", must: []string{"--force-recreate apache"}},
		{name: "compose settings changed: recreated by compose", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte("services: {apache: {}}\n"), 0o644)
			f.recreate = true
		}, want: "apache=recreated registry=unchanged", must: []string{"docker run --rm"}, mustNot: []string{"kill", "--force-recreate"}},
		{name: "apache stopped: a new container started", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			f.ctrs["apache"].State = "exited"
		}, want: "apache=started registry=unchanged", must: []string{"rm -f -s apache", "docker run --rm"}, mustNot: []string{"kill", "--force-recreate"}},
		{name: "registry stopped: started", first: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			f.ctrs["registry"].State = "exited"
		}, want: "apache=unchanged registry=started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, o, f := outFolder(t)
			if tc.first {
				if _, err := Up(context.Background(), o); err != nil {
					t.Fatalf("first up: %v", err)
				}
			}
			if tc.prepare != nil {
				tc.prepare(t, dir, f)
			}
			f.ran = nil
			res, err := Up(context.Background(), o)
			if !errors.Is(err, tc.err) {
				t.Fatalf("up: %v, want %v", err, tc.err)
			}
			if err == nil && actions(res) != tc.want {
				t.Errorf("up did %s, want %s", actions(res), tc.want)
			}
			for _, s := range tc.must {
				if f.count(s) == 0 {
					t.Errorf("%q did not run:\n%s", s, strings.Join(f.ran, "\n"))
				}
			}
			for _, s := range tc.mustNot {
				if f.count(s) > 0 {
					t.Errorf("%q ran:\n%s", s, strings.Join(f.ran, "\n"))
				}
			}
			if err != nil {
				return
			}
			// What up did is recorded: the next up has nothing to do.
			f.ran = nil
			if res, err := Up(context.Background(), o); err != nil || actions(res) != "apache=unchanged registry=unchanged" {
				t.Errorf("the up after: %v, %v; want everything unchanged", err, res)
			}
		})
	}
}

// TestUpOverrideAndAbsoluteDir: every compose call names the override file
// when there is one, and paths are absolute even for a relative --out.
func TestUpOverrideAndAbsoluteDir(t *testing.T) {
	for _, override := range []bool{false, true} {
		dir, o, f := outFolder(t)
		if override {
			os.WriteFile(filepath.Join(dir, OverrideFile), []byte("services: {}\n"), 0o644)
		}
		t.Chdir(filepath.Dir(dir))
		o.Dir = filepath.Base(dir)
		if _, err := Up(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		composeCalls := 0
		for _, l := range f.ran {
			if !strings.HasPrefix(l, "docker compose -f") {
				continue
			}
			composeCalls++
			if !strings.Contains(l, "-f "+filepath.Join(dir, "docker-compose.yml")+" ") {
				t.Errorf("not the absolute compose file: %s", l)
			}
			if got := strings.Contains(l, "-f "+filepath.Join(dir, OverrideFile)+" "); got != override {
				t.Errorf("override file present=%v, passed=%v: %s", override, got, l)
			}
		}
		if composeCalls == 0 {
			t.Fatalf("no compose call:\n%s", strings.Join(f.ran, "\n"))
		}
		if f.count("-v "+filepath.Join(dir, "auth")+":") == 0 {
			t.Errorf("httpd -t did not mount the absolute auth/:\n%s", strings.Join(f.ran, "\n"))
		}
	}
}
