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

// httpdBase is a plain httpd's own config, before the registry: the MPM,
// mod_unixd and what the portal uses; files in root. regsetup-registry.conf
// adds every module the snippet needs.
const httpdBase = `ServerRoot "/usr/local/apache2"
DefaultRuntimeDir %[1]s/run
PidFile %[1]s/run/httpd.pid
Listen 127.0.0.1:%[2]d
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule unixd_module modules/mod_unixd.so
LoadModule authz_host_module modules/mod_authz_host.so
LoadModule log_config_module modules/mod_log_config.so
LoadModule mime_module modules/mod_mime.so
LoadModule dir_module modules/mod_dir.so
User daemon
Group daemon
ServerName localhost
ErrorLog %[1]s/log/error.log
LogLevel warn
TypesConfig conf/mime.types
DirectoryIndex index.html
<Directory />
    AllowOverride none
    Require all denied
</Directory>
Include %[3]s
Include %[1]s/portal.conf
`

// TestExistingApacheHTTPD: the same snippet on the upstream httpd build
// (/usr/local/apache2, layout httpd: LoadModule lines), with the portal's
// realm on /: httpd -t passes, verify passes through it, the portal
// answers as before, and the registry's socket belongs to group daemon.
// With auth_cache, regsetup-authcache.load Included before the module
// lines makes the cache answer; Included after them, httpd -t stops,
// saying so.
func TestExistingApacheHTTPD(t *testing.T) {
	needDocker(t)
	httpd := testenv.Tool(t, "httpd", "/usr/local/apache2/bin/httpd")
	testenv.Tool(t, "htpasswd") // the portal's own password file
	for _, cache := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "auth-cache"}[cache], func(t *testing.T) {
			root, out := t.TempDir(), t.TempDir()
			openUp(t, root, filepath.Dir(root), out, filepath.Dir(out))
			port := portExistingHTTPD
			portalFiles(t, root)
			for _, d := range []string{"run", "log"} {
				mustMkdirAll(t, filepath.Join(root, d))
			}
			text := fmt.Sprintf(existingSpec, port, model.LayoutHTTPD)
			if cache {
				text += "auth_cache: 60\n"
			}
			spec := initSpec(t, out, []byte(text))
			o := stackOptions(t, spec, "docker compose")
			composeDown(t, o)
			if _, err := app.Up(context.Background(), o); err != nil {
				t.Fatalf("up: %v", err)
			}
			conf := filepath.Join(root, "httpd.conf")
			server := filepath.Join(out, "auth", "regsetup-registry.conf") // httpdBase Includes it
			vhost := portalVhost(root, out, port, portalRealm(root), false)
			if cache {
				first := filepath.Join(out, filepath.FromSlash(generator.IncludeLuaFirst))
				writeFile(t, conf, []byte(fmt.Sprintf(httpdBase, root, port, server)+"Include "+first+"\n"))
				writeFile(t, filepath.Join(root, "portal.conf"), []byte(vhost))
				if got, err := exec.Command(httpd, "-t", "-f", conf).CombinedOutput(); err == nil || !strings.Contains(string(got), "regsetup-authcache.load loaded before mod_auth_basic: Include it in httpd.conf before LoadModule auth_basic_module") {
					t.Fatalf("httpd -t with the cache's file after the module lines: want a failure saying so, got %v:\n%s", err, got)
				}
				server = first + "\nInclude " + server // the cache's file first
				vhost = strings.Replace(vhost, "    ServerName", "    LogLevel warn lua:debug\n    ServerName", 1)
			}
			writeFile(t, conf, fmt.Appendf(nil, httpdBase, root, port, server))
			writeFile(t, filepath.Join(root, "portal.conf"), []byte(vhost))
			if got, err := exec.Command(httpd, "-t", "-f", conf).CombinedOutput(); err != nil || !strings.Contains(string(got), "Syntax OK") {
				t.Fatalf("httpd -t: %v\n%s", err, got)
			}
			cmd := exec.Command(httpd, "-f", conf, "-DFOREGROUND")
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
				t.Fatalf("verify through the upstream httpd: %v\n%s", err, reportText(rep))
			}
			if !cache {
				return
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
}
