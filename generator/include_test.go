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
