package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/model"
)

const portExistingRHEL = 17047

// rhelMain is RHEL's httpd.conf in short: modules from conf.modules.d/
// first, sites and extras from conf.d/ last. The upstream build's modules
// stand in for RHEL's (ServerRoot/modules is a link to them).
const rhelMain = `ServerRoot "%[1]s/httpd"
Listen 127.0.0.1:%[2]d
Include conf.modules.d/*.conf
User daemon
Group daemon
ServerName localhost
DefaultRuntimeDir %[1]s/run
PidFile %[1]s/run/httpd.pid
ErrorLog %[1]s/log/error.log
LogLevel warn
TypesConfig /usr/local/apache2/conf/mime.types
DirectoryIndex index.html
<Directory />
    AllowOverride none
    Require all denied
</Directory>
IncludeOptional conf.d/*.conf
`

// rhelModules are RHEL's conf.modules.d files (the part of each the
// registry and the portal use).
var rhelModules = map[string][]string{
	"00-base.conf":  {"unixd", "authz_host", "log_config", "mime", "dir", "headers", "setenvif", "auth_basic", "authn_core", "authn_file", "authz_core", "authz_user", "authz_groupfile"},
	"00-lua.conf":   {"lua"},
	"00-mpm.conf":   {"mpm_event"},
	"00-proxy.conf": {"proxy", "proxy_http"},
	"00-ssl.conf":   {"ssl"}, // the mod_ssl package's
}

// TestExistingApacheRHEL: layout rhel on the upstream httpd build arranged
// in RHEL's folders (conf.modules.d/, conf.d/), with auth_cache: the
// site-independent file linked into conf.d, the portal's vhost in conf.d
// including the snippet. A module missing from conf.modules.d, and the
// cache's file linked under a name that sorts after 00-base.conf, stop
// httpd -t saying what to do; linked as it says, httpd -t passes, the
// portal answers as before, verify passes, and the cache answers.
func TestExistingApacheRHEL(t *testing.T) {
	needDocker(t)
	httpd := testenv.Tool(t, "httpd", "/usr/local/apache2/bin/httpd")
	testenv.Tool(t, "htpasswd") // the portal's own password file
	root, out := t.TempDir(), t.TempDir()
	openUp(t, root, filepath.Dir(root), out, filepath.Dir(out))
	port := portExistingRHEL
	portalFiles(t, root)
	server := filepath.Join(root, "httpd")
	for _, d := range []string{"run", "log", "httpd/conf", "httpd/conf.modules.d", "httpd/conf.d"} {
		mustMkdirAll(t, filepath.Join(root, d))
	}
	if err := os.Symlink("/usr/local/apache2/modules", filepath.Join(server, "modules")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(server, "conf", "httpd.conf"), fmt.Appendf(nil, rhelMain, root, port))
	for name, mods := range rhelModules {
		var b strings.Builder
		for _, m := range mods {
			fmt.Fprintf(&b, "LoadModule %s_module modules/mod_%s.so\n", m, m)
		}
		writeFile(t, filepath.Join(server, "conf.modules.d", name), []byte(b.String()))
	}
	// this machine has no group apache (RHEL's default): the workers run as daemon
	text := strings.Replace(fmt.Sprintf(existingSpec, port, model.LayoutRHEL), "layout: rhel}", "layout: rhel, group: daemon}", 1) + "auth_cache: 60\n"
	spec := initSpec(t, out, []byte(text))
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	if err := os.Symlink(filepath.Join(out, filepath.FromSlash(generator.IncludeServer)), filepath.Join(server, "conf.d", generator.RHELServer)); err != nil {
		t.Fatal(err)
	}
	vhost := portalVhost(root, out, port, portalRealm(root), false)
	writeFile(t, filepath.Join(server, "conf.d", "portal.conf"), []byte(strings.Replace(vhost, "    ServerName", "    LogLevel warn lua:debug\n    ServerName", 1)))
	configtest := func() (string, error) {
		got, err := exec.Command(httpd, "-d", server, "-f", "conf/httpd.conf", "-t").CombinedOutput()
		return string(got), err
	}
	load := filepath.Join(out, filepath.FromSlash(generator.IncludeLuaFirst))
	modules := filepath.Join(server, "conf.modules.d")

	t.Run("module-missing", func(t *testing.T) {
		proxy := filepath.Join(modules, "00-proxy.conf")
		if err := os.Rename(proxy, proxy+".off"); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(proxy+".off", proxy)
		if got, err := configtest(); err == nil || !strings.Contains(got, "needs mod_proxy: its LoadModule line in /etc/httpd/conf.modules.d") {
			t.Fatalf("httpd -t without 00-proxy.conf: want a failure naming mod_proxy, got %v:\n%s", err, got)
		}
	})
	t.Run("cache-file-after-00-base", func(t *testing.T) {
		late := filepath.Join(modules, "01-regsetup-authcache.conf")
		if err := os.Symlink(load, late); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(late)
		if got, err := configtest(); err == nil || !strings.Contains(got, "link it as /etc/httpd/conf.modules.d/"+generator.RHELLuaFirst+" (it must sort before 00-base.conf)") {
			t.Fatalf("httpd -t with the cache's file after 00-base.conf: want a failure saying where it goes, got %v:\n%s", err, got)
		}
	})
	t.Run("serves", func(t *testing.T) {
		if err := os.Symlink(load, filepath.Join(modules, generator.RHELLuaFirst)); err != nil {
			t.Fatal(err)
		}
		if got, err := configtest(); err != nil || !strings.Contains(got, "Syntax OK") {
			t.Fatalf("httpd -t: %v\n%s", err, got)
		}
		cmd := exec.Command(httpd, "-d", server, "-f", "conf/httpd.conf", "-DFOREGROUND")
		p, err := stacktest.StartProcess("httpd", filepath.Join(root, "log", "foreground.log"), cmd)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Stop(10 * time.Second) })
		if err := p.WaitReady(15*time.Second, func() error { return tlsUp(port) }); err != nil {
			t.Fatalf("httpd: %v", err)
		}
		portalAsksRealm(t, portalClient(port))
		rep, err := app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: spec}, Resolve: fmt.Sprintf("myregistrydomain.com:%d:127.0.0.1", port), Layers: 2, LayerSize: 64 << 10})
		if err != nil || !rep.OK() {
			t.Fatalf("verify through httpd in RHEL's layout: %v\n%s", err, reportText(rep))
		}
		errorLog := func() string { b, _ := os.ReadFile(filepath.Join(root, "log", "error.log")); return string(b) }
		c, url := portalClient(port).c, fmt.Sprintf("https://127.0.0.1:%d/v2/", port)
		before := strings.Count(errorLog(), hitLine)
		for range 5 {
			if code := status(t, c, url, "testuserpush", "testpasswordpush"); code != 200 {
				t.Fatalf("GET /v2/ as testuserpush: %d", code)
			}
		}
		if got := strings.Count(errorLog(), hitLine) - before; got < 4 {
			t.Fatalf("5 logins on one connection: %d answered from the cache, want at least 4", got)
		}
	})
}
