package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/model"
)

const portExistingAuthCache = 17046

// TestExistingApacheDebianAuthCache: the password cache in Debian's own
// apache2. mod_lua's check_user_id hook must run before mod_auth_basic's;
// both have the same rank, so the load order decides, and Debian loads
// mods-enabled alphabetically (auth_basic before lua; "early" is ignored).
// regsetup-authcache.load, enabled as 0regsetup-authcache, loads mod_lua
// first. Shown here: configtest stops, naming the fix, when the file is
// not enabled and when it is enabled under a name that sorts after
// auth_basic.load; enabled as the file says, verify passes and repeated
// logins are answered from the cache ("authcache: hit" at lua:debug); a
// changed password is refused from the first request after init.
func TestExistingApacheDebianAuthCache(t *testing.T) {
	needDocker(t)
	root, out := t.TempDir(), t.TempDir()
	openUp(t, root, filepath.Dir(root), out, filepath.Dir(out))
	port := portExistingAuthCache
	a := newDebianApache(t, root, port)
	portalFiles(t, root)
	text := fmt.Sprintf(existingSpec, port, model.LayoutDebian) + "auth_cache: 60\n"
	spec := initSpec(t, out, []byte(text))
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	a.enable(t, out)
	// the cache's hits are debug lines: in the vhost (apache2.conf sets LogLevel notice last)
	vhost := portalVhost(root, out, port, portalRealm(root), false)
	a.site(t, strings.Replace(vhost, "    ServerName", "    LogLevel notice lua:debug\n    ServerName", 1))
	load := filepath.Join(out, filepath.FromSlash(generator.IncludeLuaFirst))
	enableAs := func(t *testing.T, name string) {
		t.Helper()
		if err := os.Symlink(load, filepath.Join(a.conf, "mods-available", name+".load")); err != nil {
			t.Fatal(err)
		}
		if got, err := a.run("a2enmod", "-q", name); err != nil {
			t.Fatalf("a2enmod %s: %v: %s", name, err, got)
		}
	}
	configFails := func(t *testing.T, want string) {
		t.Helper()
		if got, err := a.run("apache2ctl", "configtest"); err == nil || !strings.Contains(got, want) {
			t.Fatalf("configtest: want a failure saying %q, got %v:\n%s", want, err, got)
		}
	}

	t.Run("not-enabled", func(t *testing.T) {
		configFails(t, "auth_cache needs "+load+" loaded before mod_auth_basic: ln -s "+load+" /etc/apache2/mods-available/0regsetup-authcache.load and a2enmod 0regsetup-authcache")
	})
	t.Run("enabled-after-auth_basic", func(t *testing.T) {
		enableAs(t, "zz-regsetup-authcache")
		configFails(t, "mod_auth_basic is loaded before "+load+", so the password cache would never answer: enable it as 0regsetup-authcache.load")
		if got, err := a.run("a2dismod", "-q", "zz-regsetup-authcache"); err != nil {
			t.Fatalf("a2dismod: %v: %s", err, got)
		}
	})
	t.Run("cache-answers", func(t *testing.T) {
		enableAs(t, generator.LuaFirstModule)
		if got, err := a.run("apache2ctl", "configtest"); err != nil || !strings.Contains(got, "Syntax OK") {
			t.Fatalf("configtest: %v\n%s", err, got)
		}
		a.start(t)
		rep, err := app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: spec}, Resolve: fmt.Sprintf("myregistrydomain.com:%d:127.0.0.1", port), Layers: 2, LayerSize: 64 << 10})
		if err != nil || !rep.OK() {
			t.Fatalf("verify with the cache: %v\n%s\n%s", err, reportText(rep), a.errorLog())
		}
		c := portalClient(port).c // keep-alive: one connection, one process, its cache
		url := fmt.Sprintf("https://127.0.0.1:%d/v2/", port)
		hits := func() int { return strings.Count(a.errorLog(), hitLine) }
		before := hits()
		for range 5 {
			if code := status(t, c, url, "testuserpush", "testpasswordpush"); code != http.StatusOK {
				t.Fatalf("GET /v2/ as testuserpush: %d", code)
			}
		}
		if got := hits() - before; got < 4 {
			t.Fatalf("5 logins on one connection: %d answered from the cache, want at least 4", got)
		}
		if code := status(t, c, url, "testuserpush", "wrong"); code != http.StatusUnauthorized {
			t.Errorf("a wrong password after cached logins: %d, want 401", code)
		}

		// a new password: the cached entry no longer answers the old one
		changed := strings.Replace(text, "testpasswordpush", "changedpassword", 1)
		writeFile(t, spec, []byte(changed))
		if _, err := app.Init(app.InitOptions{Paths: app.Paths{Spec: spec}}); err != nil {
			t.Fatalf("init with a new password: %v", err)
		}
		before = hits()
		if code := status(t, c, url, "testuserpush", "testpasswordpush"); code != http.StatusUnauthorized {
			t.Errorf("the old password right after init: %d, want 401", code)
		}
		if code := status(t, c, url, "testuserpush", "changedpassword"); code != http.StatusOK {
			t.Errorf("the new password: %d, want 200", code)
		}
		if hits() != before {
			t.Errorf("the cache answered across a password change")
		}
		if b, _ := os.ReadFile(filepath.Join(out, "auth", "authcache.lua")); !bytes.Contains(b, []byte(`"`+filepath.Join(out, "auth", "httpd.htpasswd")+`"`)) {
			t.Errorf("authcache.lua does not read the output folder's password file")
		}
	})
}
