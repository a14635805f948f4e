package generator_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/model"
	"gopkg.in/yaml.v3"
)

// legacyService is a service of the document's v1 compose file.
type legacyService struct {
	Image    string   `yaml:"image"`
	Hostname string   `yaml:"hostname"`
	Ports    []string `yaml:"ports"`
	Links    []string `yaml:"links"`
	Volumes  []string `yaml:"volumes"`
}

// TestRecipeComposeIsTheDocument: the recipe profile's compose file carries
// the document's services, images, hostname, ports, links and volumes (with
// `pwd` as the compose file's folder), in the Compose Specification format.
func TestRecipeComposeIsTheDocument(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "reference", "docker-compose.legacy.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var legacy map[string]legacyService
	if err := yaml.Unmarshal([]byte(strings.ReplaceAll(string(data), "`pwd`", ".")), &legacy); err != nil {
		t.Fatal(err)
	}
	rendered, err := os.ReadFile(filepath.Join(golden.Dir("recipe"), generator.ComposeFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(rendered), "services:") {
		t.Errorf("not in the Compose Specification format:\n%s", rendered)
	}
	p, err := loadCompose(t, rendered)
	if err != nil {
		t.Fatal(err)
	}
	dir := p.WorkingDir
	for name, want := range legacy {
		got, err := p.GetService(name)
		if err != nil {
			t.Fatalf("service %s: %v", name, err)
		}
		if got.Image != want.Image || got.Hostname != want.Hostname || strings.Join(got.Links, ",") != strings.Join(want.Links, ",") {
			t.Errorf("%s: image %q hostname %q links %v, want %+v", name, got.Image, got.Hostname, got.Links, want)
		}
		if ports := portStrings(got.Ports); strings.Join(ports, ",") != strings.Join(want.Ports, ",") {
			t.Errorf("%s: ports %v, want %v", name, ports, want.Ports)
		}
		for i, v := range got.Volumes {
			src, _ := filepath.Rel(dir, v.Source)
			if "./"+src+":"+v.Target != want.Volumes[i] {
				t.Errorf("%s: volume %s:%s, want %s", name, v.Source, v.Target, want.Volumes[i])
			}
		}
	}
}

func portStrings(ports []types.ServicePortConfig) []string {
	var out []string
	for _, p := range ports {
		s := p.Published + ":" + strconv.FormatUint(uint64(p.Target), 10)
		if p.HostIP != "" {
			s = p.HostIP + ":" + s
		}
		out = append(out, s)
	}
	return out
}

// TestSecureDoesNotPublishTheRegistry: only Apache is reachable from the
// host; the recipe publishes the registry's unauthenticated port.
func TestSecureDoesNotPublishTheRegistry(t *testing.T) {
	for _, tc := range []struct {
		profile   model.Profile
		published bool
	}{{model.ProfileSecure, false}, {model.ProfileRecipe, true}} {
		m := &model.Model{Profile: tc.profile, Domain: "myregistrydomain.com", Port: 5043, ApacheImage: "httpd:2.4", RegistryImage: "registry:2"}
		reg := generator.ComposeProject(m).Services["registry"]
		if got := len(reg.Ports) > 0; got != tc.published {
			t.Errorf("%s: registry published=%v, want %v", tc.profile, got, tc.published)
		}
	}
}

// TestSecureKeepsTheStackUp: the secure profile's services come back after
// a reboot (restart policy) and say when they stop answering
// (healthchecks: the registry's /v2/, Apache's /v2/ asking for a login on
// the spec's port); the recipe's services stay the document's.
func TestSecureKeepsTheStackUp(t *testing.T) {
	for _, tc := range []struct {
		profile model.Profile
		restart string
		tests   map[string]string
	}{
		{model.ProfileSecure, "unless-stopped", map[string]string{
			"apache":   "CMD-SHELL ab -n 1 -v 2 https://127.0.0.1:5043/v2/ 2>&1 | grep -q '^HTTP/1.1 401'",
			"registry": "CMD wget -q -O /dev/null http://127.0.0.1:5000/v2/",
		}},
		{model.ProfileRecipe, "", map[string]string{"apache": "", "registry": ""}},
	} {
		t.Run(string(tc.profile), func(t *testing.T) {
			m := &model.Model{Profile: tc.profile, Domain: "myregistrydomain.com", Port: 5043, ApacheImage: "httpd:2.4", RegistryImage: "registry:2"}
			for name, svc := range generator.ComposeProject(m).Services {
				if svc.Restart != tc.restart {
					t.Errorf("%s: restart %q, want %q", name, svc.Restart, tc.restart)
				}
				test := ""
				if svc.HealthCheck != nil {
					test = strings.Join(svc.HealthCheck.Test, " ")
				}
				if test != tc.tests[name] {
					t.Errorf("%s: healthcheck %q, want %q", name, test, tc.tests[name])
				}
			}
		})
	}
}
