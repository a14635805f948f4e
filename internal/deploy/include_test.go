package deploy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/execx"
)

// includeRunner is the fake docker plus the user's Apache tools, which it
// only records.
type includeRunner struct{ *fakeDocker }

func (r includeRunner) Output(ctx context.Context, c execx.Cmd) ([]byte, error) {
	if c.Name == "apache2ctl" || c.Name == "httpd" {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ran = append(r.ran, c.String())
		return []byte("ok"), nil
	}
	return r.fakeDocker.Output(ctx, c)
}

// serveSocket answers GET /v2/ with 200 on dir/run/registry.sock, as the
// registry does.
func serveSocket(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o750); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "run", "registry.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/" {
			http.NotFound(w, r)
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// TestUpInclude: for an existing Apache, up starts the registry and waits
// for its socket; it runs the layout's graceful reload only when asked, and
// fails when the socket never answers.
func TestUpInclude(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reload []string
		serve  bool
		want   string
		ran    string // a command that must have run; "" = no Apache tool at all
		err    error
	}{
		{name: "registry only", serve: true, want: "registry=started"},
		{name: "reload-apache", reload: []string{"apache2ctl", "graceful"}, serve: true, want: "apache=reloaded registry=started", ran: "apache2ctl graceful"},
		{name: "socket silent", err: ErrUnhealthy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.serve {
				serveSocket(t, dir)
			}
			f := newFakeDocker(t, filepath.Join(dir, "auth"))
			o := Options{Dir: dir, Domain: testDomain, Port: 8443, RegistryImage: "registry:2", Compose: "docker compose",
				Timeout: time.Second, Runner: includeRunner{f},
				Include: &Include{Socket: filepath.Join("run", "registry.sock"), GID: os.Getgid(), Reload: tc.reload}}
			res, err := Up(context.Background(), o)
			if !errors.Is(err, tc.err) {
				t.Fatalf("up: %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if got := actions(res); got != tc.want {
				t.Errorf("actions: %s, want %s", got, tc.want)
			}
			all := strings.Join(f.ran, "\n")
			if tc.ran != "" && !strings.Contains(all, tc.ran) {
				t.Errorf("%q did not run:\n%s", tc.ran, all)
			}
			if tc.ran == "" && (strings.Contains(all, "apache2ctl") || strings.Contains(all, "httpd -k")) {
				t.Errorf("up touched the user's Apache:\n%s", all)
			}
			fi, err := os.Stat(filepath.Join(dir, "run"))
			if err != nil || fi.Mode()&os.ModeSetgid == 0 || fi.Mode().Perm() != 0o750 {
				t.Errorf("socket folder: %v %v, want 2750", fi.Mode(), err)
			}
		})
	}
}
