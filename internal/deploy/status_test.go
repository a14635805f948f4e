package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatus: running and in force; files on disk not loaded (named);
// not running or unhealthy; docker down.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string, f *fakeDocker)
		up      bool
		err     error
		differs string
	}{
		{name: "in force", up: true},
		{name: "init without up", up: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			os.WriteFile(filepath.Join(dir, "auth", "httpd.conf"), []byte("Listen 5043\n# changed\n"), 0o644)
			writePair(t, filepath.Join(dir, "auth"))
			os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte("services: {x: {}}\n"), 0o644)
		}, err: ErrStale, differs: "auth/domain.crt auth/domain.key auth/httpd.conf docker-compose.yml"},
		{name: "override file added", up: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			os.WriteFile(filepath.Join(dir, OverrideFile), []byte("services: {}\n"), 0o644)
		}, err: ErrStale, differs: "docker-compose.yml docker-compose.override.yml"},
		{name: "password file changed: still in force", up: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			os.WriteFile(filepath.Join(dir, "auth", "httpd.htpasswd"), []byte("v:y\n"), 0o644)
		}},
		{name: "restarted by docker after the change: loaded it", up: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			os.WriteFile(filepath.Join(dir, "auth", "httpd.conf"), []byte("Listen 5043\n# changed\n"), 0o644)
			f.ctrs["apache"].StartedAt = time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
		}},
		{name: "restarted by docker before the change", up: true, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			f.ctrs["apache"].StartedAt = time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
			os.WriteFile(filepath.Join(dir, "auth", "httpd.conf"), []byte("Listen 5043\n# changed\n"), 0o644)
		}, err: ErrStale},
		{name: "started by hand", prepare: func(t *testing.T, dir string, f *fakeDocker) { f.running() }, err: ErrStale},
		{name: "auth/ replaced", up: true, prepare: func(t *testing.T, dir string, f *fakeDocker) { f.inode = "1:1" }, err: ErrStale},
		{name: "not running", err: ErrNotRunning},
		{name: "unhealthy", up: true, prepare: func(t *testing.T, dir string, f *fakeDocker) { f.ctrs["registry"].Health = "unhealthy" }, err: ErrNotRunning},
		{name: "docker down", err: ErrEnvironment, prepare: func(t *testing.T, dir string, f *fakeDocker) {
			f.down = true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, o, f := outFolder(t)
			if tc.up {
				if _, err := Up(context.Background(), o); err != nil {
					t.Fatal(err)
				}
			}
			if tc.prepare != nil {
				tc.prepare(t, dir, f)
			}
			st, err := StatusOf(context.Background(), o)
			if !errors.Is(err, tc.err) {
				t.Fatalf("status: %v, want %v", err, tc.err)
			}
			if st == nil {
				return
			}
			if got := strings.Join(st.Differs, " "); got != tc.differs {
				t.Errorf("differs %q, want %q", got, tc.differs)
			}
			if want := tc.err == nil || tc.name == "unhealthy"; st.InForce != want {
				t.Errorf("in force = %v with error %v", st.InForce, err)
			}
			if len(st.Services) != 2 || st.Services[0].Service != "apache" {
				t.Errorf("services %+v", st.Services)
			}
		})
	}
}
