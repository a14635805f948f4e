package generator_test

import (
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/model"
	"gopkg.in/yaml.v3"
)

func includeModel(layout string) *model.Model {
	return &model.Model{
		Profile: model.ProfileSecure, Domain: "myregistrydomain.com", Port: 8443, RegistryImage: "registry:2",
		Access: model.Access{Pull: model.Principals{Authenticated: true}, Push: model.Principals{Groups: []string{"pusher"}}},
		Apache: model.Apache{Include: true, Layout: layout, Group: model.DefaultGroup(layout), Dir: "/srv/regsetup"},
	}
}

// TestIncludeCompose: for an existing Apache the compose file has the
// registry alone, without any network or published port, on its socket.
func TestIncludeCompose(t *testing.T) {
	data, err := generator.ComposeYAML(includeModel(model.LayoutDebian))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	reg, ok := doc.Services["registry"]
	if len(doc.Services) != 1 || !ok {
		t.Fatalf("want the registry alone, got %s", data)
	}
	if reg["network_mode"] != "none" || reg["ports"] != nil || reg["links"] != nil {
		t.Errorf("registry: want network_mode none and no ports:\n%s", data)
	}
	if env, _ := reg["environment"].(map[string]any); env["REGISTRY_HTTP_NET"] != "unix" || env["REGISTRY_HTTP_ADDR"] != "/run/regsetup/registry.sock" {
		t.Errorf("registry: want it on its unix socket:\n%s", data)
	}
}

// TestIncludeConfigs: the snippet names the host's files and the socket,
// never the container's paths, replaces earlier sections' authorization,
// and the site-independent file carries the layout's module lines.
func TestIncludeConfigs(t *testing.T) {
	for _, tc := range []struct {
		layout string
		server []string
	}{
		{model.LayoutDebian, []string{"a2enmod ssl proxy proxy_http headers", `Error "regsetup: the registry's <Location /v2> needs mod_proxy_http: a2enmod proxy_http"`}},
		{model.LayoutHTTPD, []string{"LoadModule proxy_http_module modules/mod_proxy_http.so", `needs mod_proxy_http"`}},
		{model.LayoutRHEL, []string{"ln -s /srv/regsetup/auth/regsetup-registry.conf /etc/httpd/conf.d/00-regsetup-registry.conf", "apachectl configtest && apachectl graceful",
			`needs mod_ssl: dnf install mod_ssl"`, `needs mod_proxy_http: its LoadModule line in /etc/httpd/conf.modules.d"`}},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			loc, srv, err := generator.IncludeConfigs(includeModel(tc.layout))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				`ProxyPass "unix:/srv/regsetup/run/registry.sock|http://registry/v2" timeout=900`,
				`AuthUserFile "/srv/regsetup/auth/httpd.htpasswd"`, "AuthMerging Off", "AuthBasicProvider file",
				"AuthzSendForbiddenOnFailure On", "Require group pusher", "<Location /v2>",
			} {
				if !strings.Contains(string(loc), want) {
					t.Errorf("snippet lacks %q:\n%s", want, loc)
				}
			}
			if strings.Contains(string(loc), "/usr/local/apache2") || strings.Contains(string(loc), "\n<VirtualHost") {
				t.Errorf("snippet names the container or opens a vhost:\n%s", loc)
			}
			for _, want := range append(tc.server, `<Directory "/srv/regsetup">`) {
				if !strings.Contains(string(srv), want) {
					t.Errorf("server file lacks %q:\n%s", want, srv)
				}
			}
		})
	}
	m := includeModel(model.LayoutDebian)
	m.Apache.Dir = "relative/out"
	if _, _, err := generator.IncludeConfigs(m); err == nil {
		t.Error("a relative output folder must be refused")
	}
}

// checkIncludeProject (FuzzSpecRender): for an existing Apache the loaded
// compose project is the registry alone, without network or ports.
func checkIncludeProject(t *testing.T, m *model.Model, p *types.Project) {
	t.Helper()
	reg, err := p.GetService("registry")
	if err != nil || len(p.Services) != 1 {
		t.Fatalf("want the registry alone: %v %v", err, p.ServiceNames())
	}
	if reg.NetworkMode != "none" || len(reg.Ports) != 0 || reg.Image != m.RegistryImage {
		t.Fatalf("registry does not carry the model without network: %+v", reg)
	}
}

// TestIncludeAuthCache: with auth_cache, an existing Apache gets the
// cache script reading the output folder's password file, the snippet's
// mod_lua hooks, the file that loads mod_lua before mod_auth_basic (the
// layout's mod_lua path, a check that auth_basic is not loaded yet, the
// Define) and the server file's check for that Define; without it, none.
func TestIncludeAuthCache(t *testing.T) {
	for _, tc := range []struct {
		layout string
		load   []string
	}{
		{model.LayoutDebian, []string{"LoadModule lua_module /usr/lib/apache2/modules/mod_lua.so", "a2enmod 0regsetup-authcache", "enable it as 0regsetup-authcache.load"}},
		{model.LayoutHTTPD, []string{"LoadModule lua_module modules/mod_lua.so", "Include it before LoadModule auth_basic_module"}},
		{model.LayoutRHEL, []string{"LoadModule lua_module modules/mod_lua.so", "ln -s /srv/regsetup/auth/regsetup-authcache.load /etc/httpd/conf.modules.d/00-0regsetup-authcache.conf",
			"link it as /etc/httpd/conf.modules.d/00-0regsetup-authcache.conf (it must sort before 00-base.conf)"}},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			m := includeModel(tc.layout)
			m.Users = []model.User{{Name: "alice", Password: "secret"}}
			m.BcryptCost = 4
			m.AuthCacheTTL = 60
			files := renderedFiles(t, m)
			wants := map[string][]string{
				generator.AuthCache:       {`local HTPASSWD = "/srv/regsetup/auth/httpd.htpasswd"`, "local TTL = 60"},
				generator.IncludeLocation: {"LuaHookCheckUserID /srv/regsetup/auth/authcache.lua check_user_id", "LuaHookFixups /srv/regsetup/auth/authcache.lua fixups"},
				generator.IncludeServer:   {"<IfDefine !REGSETUP_AUTHCACHE_FIRST>", "auth_cache needs /srv/regsetup/auth/regsetup-authcache.load loaded before mod_auth_basic"},
				generator.IncludeLuaFirst: append([]string{"<IfModule auth_basic_module>", "Define REGSETUP_AUTHCACHE_FIRST"}, tc.load...),
			}
			for p, ws := range wants {
				for _, w := range ws {
					if !strings.Contains(files[p], w) {
						t.Errorf("%s lacks %q:\n%s", p, w, files[p])
					}
				}
			}
			m.AuthCacheTTL = 0
			files = renderedFiles(t, m)
			for _, p := range []string{generator.AuthCache, generator.IncludeLuaFirst} {
				if _, ok := files[p]; ok {
					t.Errorf("without auth_cache: %s rendered", p)
				}
			}
			if strings.Contains(files[generator.IncludeLocation], "Lua") || strings.Contains(files[generator.IncludeServer], "AUTHCACHE") {
				t.Errorf("without auth_cache: mod_lua named:\n%s\n%s", files[generator.IncludeLocation], files[generator.IncludeServer])
			}
		})
	}
}

func renderedFiles(t *testing.T, m *model.Model) map[string]string {
	t.Helper()
	fs, err := generator.Render(m, generator.Previous{}, generator.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range fs {
		out[f.Path] = string(f.Data)
	}
	return out
}
