package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/model"
)

// Ports of the existing-Apache tests (Apache listens on 127.0.0.1 only).
const (
	portExistingDebian = 17043
	portExistingHTTPD  = 17044
)

// existingSpec is the recipe's users with apache.mode include.
const existingSpec = `domain: myregistrydomain.com
port: %d
tls: {cert: domain.crt, key: domain.key}
users:
  - {name: testuser, password: testpassword}
  - {name: testuserpush, password: testpasswordpush}
groups: {pusher: [testuserpush]}
access: {pull: authenticated, push: [pusher]}
apache: {mode: include, layout: %s}
`

// portalVhost is an existing intranet site: TLS, a page on / protected by
// its own scheme (protect), and the registry's snippet where include says.
func portalVhost(root, out string, port int, protect string, includeFirst bool) string {
	inc := "    Include " + filepath.Join(out, "auth", "registry-location.conf") + "\n"
	v := fmt.Sprintf("<VirtualHost 127.0.0.1:%d>\n    ServerName myregistrydomain.com\n    SSLEngine on\n"+
		"    SSLCertificateFile %[2]s/portal-domain.crt\n    SSLCertificateKeyFile %[2]s/portal-domain.key\n"+
		"    DocumentRoot %[2]s/www\n    <Directory %[2]s/www>\n        Require all granted\n    </Directory>\n", port, root)
	if includeFirst {
		v += inc
	}
	v += "    <Location />\n" + protect + "    </Location>\n"
	if !includeFirst {
		v += inc
	}
	v += "</VirtualHost>\n"
	// the same snippet in a plain-HTTP vhost, and in the TLS vhost of another
	// site (registry.example.org's certificate), by mistake
	return v + fmt.Sprintf("<VirtualHost 127.0.0.1:%d>\n    ServerName myregistrydomain.com\n%s</VirtualHost>\n", port+plainOffset, inc) +
		fmt.Sprintf("<VirtualHost 127.0.0.1:%d>\n    ServerName registry.example.org\n    SSLEngine on\n"+
			"    SSLCertificateFile %[2]s/other.crt\n    SSLCertificateKeyFile %[2]s/other.key\n%[3]s</VirtualHost>\n", port+otherCertOffset, root, inc) +
		// and in the first vhost of a port, whose ServerName is another one,
		// while the domain's own vhost there has no snippet
		fmt.Sprintf("<VirtualHost 127.0.0.1:%[1]d>\n    ServerName portal.example.org\n    SSLEngine on\n"+
			"    SSLCertificateFile %[2]s/portal-domain.crt\n    SSLCertificateKeyFile %[2]s/portal-domain.key\n%[3]s</VirtualHost>\n"+
			"<VirtualHost 127.0.0.1:%[1]d>\n    ServerName myregistrydomain.com\n    SSLEngine on\n"+
			"    SSLCertificateFile %[2]s/portal-domain.crt\n    SSLCertificateKeyFile %[2]s/portal-domain.key\n    DocumentRoot %[2]s/www\n</VirtualHost>\n", port+otherNameOffset, root, inc)
}

// portalRealm and portalIP are two schemes a portal protects / with.
func portalRealm(root string) string {
	return "        AuthType Basic\n        AuthName \"Intranet Portal\"\n        AuthBasicProvider file\n" +
		"        AuthUserFile " + root + "/portal.htpasswd\n        Require valid-user\n"
}

const portalIP = "        Require ip 192.0.2.0/24\n"

// TestExistingApacheDebian: Debian's own apache2, started natively with an
// intranet site that serves / under another scheme, plus the rendered
// snippet; the registry runs with Compose on a unix socket only. configtest
// passes, verify passes through Apache, the portal answers as before, the
// registry has no network and its socket refuses other users; the snippet
// included before the portal's <Location /> is caught by verify, naming the
// answer that won; a module missing stops configtest naming it.
func TestExistingApacheDebian(t *testing.T) {
	needDocker(t)
	root, out := t.TempDir(), t.TempDir()
	openUp(t, root, filepath.Dir(root), out, filepath.Dir(out))
	port := portExistingDebian
	a := newDebianApache(t, root, port)
	portalFiles(t, root)
	spec := initSpec(t, out, fmt.Appendf(nil, existingSpec, port, model.LayoutDebian))
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	a.enable(t, out)
	checkIsolated(t, o.Project, filepath.Join(out, model.Socket))

	for _, tc := range []struct {
		name         string
		protect      string
		includeFirst bool
		portal       func(t *testing.T, c portal)
	}{
		{"realm", portalRealm(root), false, portalAsksRealm},
		{"ip", portalIP, false, portalRefusesIP},
		{"include-before-location", portalRealm(root), true, portalAsksRealm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.site(t, portalVhost(root, out, port, tc.protect, tc.includeFirst))
			if got, err := a.run("apache2ctl", "configtest"); err != nil || !strings.Contains(got, "Syntax OK") {
				t.Fatalf("apache2ctl configtest: %v\n%s", err, got)
			}
			a.start(t)
			tc.portal(t, portalClient(port))
			if !tc.includeFirst {
				plainRefused(t, port+plainOffset)
			}
			rep, err := app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: spec}, Resolve: fmt.Sprintf("myregistrydomain.com:%d:127.0.0.1", port), Layers: 2, LayerSize: 64 << 10})
			if tc.includeFirst {
				if !errors.Is(err, app.ErrSectionOverridden) || !errors.Is(err, app.ErrChecksFailed) || !strings.Contains(err.Error(), `realm="Intranet Portal"`) || !strings.Contains(err.Error(), "a section merged after") {
					t.Fatalf("verify with the Include before <Location />: want ErrSectionOverridden naming the portal's realm, got %v", err)
				}
				return
			}
			if err != nil || !rep.OK() {
				t.Fatalf("verify through Debian's apache2: %v\n%s\n%s", err, reportText(rep), a.errorLog())
			}
			if len(rep.Steps) != 8 || rep.Matrix == nil {
				t.Errorf("want 8 steps and a matrix:\n%s", reportText(rep))
			}
		})
	}

	// The snippet included in a vhost that does not terminate TLS for the
	// domain: verify stops before its steps and says why; over plain HTTP
	// the snippet itself answers /v2 with the reason, asking no password.
	t.Run("wrong-vhost", func(t *testing.T) {
		a.site(t, portalVhost(root, out, port, portalRealm(root), false))
		a.start(t)
		plainRefused(t, port+plainOffset)
		for _, tc := range []struct {
			name     string
			port     int
			insecure bool
			want     string
		}{
			{"plain-http", port + plainOffset, false, fmt.Sprintf("myregistrydomain.com:%d answers without TLS", port+plainOffset)},
			{"other-certificate", port + otherCertOffset, false, "names registry.example.org, not myregistrydomain.com"},
			{"other-certificate-insecure", port + otherCertOffset, true, "names registry.example.org, not myregistrydomain.com"},
			{"other-servername", port + otherNameOffset, false, "without a challenge, want 401 with Basic realm=\"Registry Authentication\": the vhost Apache picks for myregistrydomain.com:"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wrong := filepath.Join(t.TempDir(), "regsetup.yaml")
				writeFile(t, wrong, fmt.Appendf(nil, existingSpec, tc.port, model.LayoutDebian))
				for _, f := range []string{"domain.crt", "domain.key"} {
					data, err := os.ReadFile(filepath.Join(out, f))
					if err != nil {
						t.Fatal(err)
					}
					writeFile(t, filepath.Join(filepath.Dir(wrong), f), data)
				}
				_, err := app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: wrong, Out: out}, Insecure: tc.insecure,
					Resolve: fmt.Sprintf("myregistrydomain.com:%d:127.0.0.1", tc.port), Layers: 1, LayerSize: 1 << 10})
				want := app.ErrVhostTLS
				if tc.port == port+otherNameOffset {
					want = app.ErrSectionOverridden
				}
				if !errors.Is(err, want) || !errors.Is(err, app.ErrChecksFailed) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("verify against the vhost on %d: want %v saying %q, got %v", tc.port, want, tc.want, err)
				}
			})
		}
	})

	t.Run("up-leaves-apache-alone", func(t *testing.T) {
		a.site(t, portalVhost(root, out, port, portalRealm(root), false))
		a.start(t)
		before := strings.Count(a.errorLog(), "AH00493") // SIGUSR1 received: graceful restart
		res, err := app.Up(context.Background(), o)
		if err != nil {
			t.Fatalf("second up: %v", err)
		}
		for _, s := range res.Services {
			if s.Service != "registry" || s.Action != "unchanged" {
				t.Errorf("second up: want only the registry, unchanged; got %+v", res.Services)
			}
		}
		st, err := app.Status(context.Background(), o)
		if err != nil || !st.InForce || len(st.Services) != 1 || st.Services[0].Service != "registry" {
			t.Errorf("status: want the registry alone, running and in force; got %+v, %v", st, err)
		}
		time.Sleep(time.Second)
		if after := strings.Count(a.errorLog(), "AH00493"); after != before {
			t.Errorf("up reloaded the user's Apache (%d graceful restarts, before %d)", after, before)
		}
	})

	t.Run("reload-apache", func(t *testing.T) {
		a.site(t, portalVhost(root, out, port, portalRealm(root), false))
		a.start(t)
		before := strings.Count(a.errorLog(), "AH00493")
		t.Setenv("APACHE_CONFDIR", a.conf) // apache2ctl graceful: this instance, never the system's
		ro := o
		ro.ReloadApache = true
		res, err := app.Up(context.Background(), ro)
		if err != nil {
			t.Fatalf("up --reload-apache: %v", err)
		}
		if len(res.Services) != 2 || res.Services[0].Service != "apache" || res.Services[0].Action != "reloaded" {
			t.Errorf("up --reload-apache: want apache reloaded, got %+v", res.Services)
		}
		deadline := time.Now().Add(5 * time.Second)
		for strings.Count(a.errorLog(), "AH00493") == before && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if strings.Count(a.errorLog(), "AH00493") == before {
			t.Errorf("up --reload-apache did not gracefully restart Apache:\n%s", a.errorLog())
		}
		portalAsksRealm(t, portalClient(port))
	})

	t.Run("module-missing", func(t *testing.T) {
		if got, err := a.run("a2dismod", "-q", "-f", "proxy_http"); err != nil {
			t.Fatalf("a2dismod: %v: %s", err, got)
		}
		got, err := a.run("apache2ctl", "configtest")
		if err == nil || !strings.Contains(got, "needs mod_proxy_http: a2enmod proxy_http") {
			t.Fatalf("configtest without proxy_http: want a failure naming it, got %v:\n%s", err, got)
		}
	})
}

// checkIsolated: the registry container has no network and publishes no
// port; its socket is in a folder of group www-data, mode 2750, and
// answers www-data but not another user.
func checkIsolated(t *testing.T, project, sock string) {
	t.Helper()
	ids, err := exec.Command("docker", "ps", "-q", "--filter", "label=com.docker.compose.project="+project).Output()
	if err != nil || len(strings.Fields(string(ids))) != 1 {
		t.Fatalf("want exactly the registry container, got %q (%v)", ids, err)
	}
	id := strings.TrimSpace(string(ids))
	got, err := exec.Command("docker", "inspect", "-f", "{{.HostConfig.NetworkMode}} ports={{len .NetworkSettings.Ports}} {{.Config.Labels}}", id).Output()
	if err != nil || !strings.HasPrefix(string(got), "none ports=0 ") || !strings.Contains(string(got), "service:registry") {
		t.Errorf("registry container: want network none and no ports, got %q (%v)", got, err)
	}
	fi, err := os.Stat(filepath.Dir(sock))
	if err != nil {
		t.Fatal(err)
	}
	www, err := user.LookupGroup("www-data")
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := strconv.Atoi(www.Gid)
	if fi.Mode()&(os.ModeSetgid|os.ModePerm) != os.ModeSetgid|0o750 || groupOf(fi) != gid {
		t.Errorf("socket folder: want 2750 group www-data, got %v group %d", fi.Mode(), groupOf(fi))
	}
	wwwUser, err := user.Lookup("www-data")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(wwwUser.Uid)
	if code := connectAs(t, sock, uint32(uid), uint32(gid)); code != "200" {
		t.Errorf("www-data through the socket: want 200, got %q", code)
	}
	if code := connectAs(t, sock, 65534, 65534); code != "000" {
		t.Errorf("nobody reached the registry's socket: got %q", code)
	}
}

// portal is a client of the portal's page on one port.
type portal struct {
	c    *http.Client
	port int
}

func portalClient(port int) portal {
	return portal{c: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}, port: port}
}

func portalGet(t *testing.T, p portal, user, pass string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d/", p.port), nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := p.c.Do(req)
	if err != nil {
		t.Fatalf("GET /: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(body)
}

// portalAsksRealm: / asks for the portal's own realm and serves the page
// to the portal's user, not to the registry's.
func portalAsksRealm(t *testing.T, c portal) {
	if code, ch, _ := portalGet(t, c, "", ""); code != 401 || ch != `Basic realm="Intranet Portal"` {
		t.Errorf("portal anonymous: got %d %q, want 401 with the portal's realm", code, ch)
	}
	if code, _, body := portalGet(t, c, "alice", "portalpassword"); code != 200 || !strings.Contains(body, "intranet portal") {
		t.Errorf("portal as alice: got %d %q", code, body)
	}
	if code, _, _ := portalGet(t, c, "testuserpush", "testpasswordpush"); code != 401 {
		t.Errorf("portal as the registry's user: got %d, want 401", code)
	}
}

// portalRefusesIP: / stays closed to an address outside the portal's rule.
func portalRefusesIP(t *testing.T, c portal) {
	if code, _, _ := portalGet(t, c, "", ""); code != 403 {
		t.Errorf("portal from 127.0.0.1 (outside Require ip): got %d, want 403", code)
	}
}

// plainRefused: in a vhost without TLS the snippet refuses /v2, even with
// the right password, before anything reaches the registry.
func plainRefused(t *testing.T, port int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/v2/", port), nil)
	req.SetBasicAuth("testuserpush", "testpasswordpush")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v2/ over plain HTTP: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	const why = "regsetup: this vhost does not terminate TLS: include registry-location.conf only in your TLS VirtualHost for myregistrydomain.com:"
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Docker-Distribution-Api-Version") != "registry/2.0" || !strings.Contains(string(body), why) {
		t.Errorf("/v2/ over plain HTTP: got %s %q, want 403 from the snippet saying %q", resp.Status, body, why)
	}
	anon, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/v2/", port))
	if err != nil {
		t.Fatalf("GET /v2/ over plain HTTP: %v", err)
	}
	anon.Body.Close()
	if anon.StatusCode != http.StatusForbidden || anon.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("/v2/ over plain HTTP without credentials: got %s asking %q, want 403 asking no password", anon.Status, anon.Header.Get("WWW-Authenticate"))
	}
}
