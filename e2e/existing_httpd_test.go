package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
func TestExistingApacheHTTPD(t *testing.T) {
	needDocker(t)
	httpd := testenv.Tool(t, "httpd", "/usr/local/apache2/bin/httpd")
	testenv.Tool(t, "htpasswd") // the portal's own password file
	root, out := t.TempDir(), t.TempDir()
	openUp(t, root, filepath.Dir(root), out, filepath.Dir(out))
	port := portExistingHTTPD
	portalFiles(t, root)
	for _, d := range []string{"run", "log"} {
		mustMkdirAll(t, filepath.Join(root, d))
	}
	spec := initSpec(t, out, fmt.Appendf(nil, existingSpec, port, model.LayoutHTTPD))
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	conf := filepath.Join(root, "httpd.conf")
	writeFile(t, conf, fmt.Appendf(nil, httpdBase, root, port, filepath.Join(out, "auth", "regsetup-registry.conf")))
	writeFile(t, filepath.Join(root, "portal.conf"), []byte(portalVhost(root, out, port, portalRealm(root), false)))
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
}
