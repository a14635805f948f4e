package generator_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/model"
)

// swarmModel is a secure stack on Swarm with 2 Apache and registries
// registry replicas on st.
func swarmModel(registries int, st model.Storage, users ...string) *model.Model {
	m := &model.Model{
		Profile: model.ProfileSecure, Domain: "myregistrydomain.com", Port: 5043, ServerAdmin: "you@example.com",
		TLS: model.TLS{Generate: true}, BcryptCost: 4, DaemonGID: 1, ApacheImage: "httpd:2.4", RegistryImage: "registry:2",
		Access:  model.Access{Pull: model.Principals{Authenticated: true}, Push: model.Principals{Users: []string{"pusher"}}},
		Deploy:  model.Deploy{Target: model.TargetSwarm, Replicas: model.Replicas{Apache: 2, Registry: registries}},
		Storage: st,
	}
	for _, u := range append([]string{"pusher"}, users...) {
		m.Users = append(m.Users, model.User{Name: u, Password: model.Secret(u + "-pw")})
	}
	return m
}

// ldapSwarm has the directory backend: its bind password and CA are
// auth/ files like the others.
func ldapSwarm() *model.Model {
	m := swarmModel(2, model.Storage{Driver: model.StorageFilesystem})
	m.LDAP = &model.LDAP{
		Directory: model.DirectoryAD, Servers: []string{"dc1.corp.example"}, TLS: model.TLSStartTLS, Port: 389,
		CAPEM: []byte("CA"), BaseDN: "DC=corp,DC=example", UserAttribute: "sAMAccountName", BindDN: "CN=svc,DC=corp,DC=example",
		BindPassword: "s3cret", GroupAttribute: []string{"member"}, SubGroupClass: []string{"group"}, NestedGroups: 10, Timeout: 4,
	}
	return m
}

var fixedNow = generator.Options{Now: func() time.Time { return time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) }}

func render(t *testing.T, m *model.Model, prev generator.Previous) map[string]generator.File {
	t.Helper()
	files, err := generator.Render(m, prev, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]generator.File{}
	for _, f := range files {
		out[f.Path] = f
	}
	return out
}

// TestStackFile: the stack file loads with compose-go and has the shape
// that works without a routing mesh (host-mode Apache ports the engine
// picks, a dnsrr registry), start-first rollouts, none of the keys
// `docker stack deploy` rejects or ignores, and one config or secret per
// rendered file (the registry's config.yml included), named by content.
func TestStackFile(t *testing.T) {
	s3 := &model.S3{Endpoint: "https://s3.internal:8333", Bucket: "registry", Region: "us-east-1", AccessKey: "AK", SecretKey: "SK"}
	tests := []struct {
		name       string
		m          *model.Model
		registries int
		bind       bool
	}{
		{"filesystem", swarmModel(2, model.Storage{Driver: model.StorageFilesystem}), 2, true},
		{"s3", swarmModel(3, model.Storage{Driver: model.StorageS3, S3: s3}), 3, false},
		{"ldap", ldapSwarm(), 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := render(t, tt.m, generator.Previous{})
			if _, ok := files[generator.ComposeFile]; ok {
				t.Errorf("%s rendered for target swarm", generator.ComposeFile)
			}
			stack, ok := files[generator.StackFile]
			if !ok {
				t.Fatalf("no %s", generator.StackFile)
			}
			p, err := loadCompose(t, stack.Data)
			if err != nil {
				t.Fatalf("compose-go rejects %s: %v\n%s", generator.StackFile, err, stack.Data)
			}
			apache, registry := p.Services["apache"], p.Services["registry"]
			if len(apache.Ports) != 1 || apache.Ports[0].Mode != "host" || apache.Ports[0].Published != "" || apache.Ports[0].Target != 5043 {
				t.Errorf("apache ports %+v, want 5043 in host mode on a port the engine picks", apache.Ports)
			}
			if registry.Deploy == nil || registry.Deploy.EndpointMode != "dnsrr" || len(registry.Ports) != 0 {
				t.Errorf("registry: deploy %+v ports %v, want endpoint_mode dnsrr and no port", registry.Deploy, registry.Ports)
			}
			for name, want := range map[string]int{"apache": 2, "registry": tt.registries} {
				svc := p.Services[name]
				d := svc.Deploy
				if d == nil || d.Replicas == nil || *d.Replicas != want {
					t.Errorf("%s: deploy %+v, want %d replicas", name, d, want)
					continue
				}
				if u := d.UpdateConfig; u == nil || u.Order != "start-first" || u.Parallelism == nil || *u.Parallelism != 1 || u.FailureAction != "rollback" {
					t.Errorf("%s: update_config %+v, want start-first, one at a time, rollback on failure", name, u)
				}
				if svc.HealthCheck == nil {
					t.Errorf("%s: no healthcheck: rolling updates would not wait for a healthy task", name)
				}
				if len(svc.DependsOn) > 0 || len(svc.Links) > 0 || svc.Restart != "" || svc.ContainerName != "" {
					t.Errorf("%s: depends_on %v links %v restart %q container_name %q: stack deploy rejects or ignores them", name, svc.DependsOn, svc.Links, svc.Restart, svc.ContainerName)
				}
			}
			if hasBind := len(registry.Volumes) == 1 && registry.Volumes[0].Type == types.VolumeTypeBind && registry.Volumes[0].Target == "/var/lib/registry"; hasBind != tt.bind {
				t.Errorf("registry volumes %+v, want the shared ./data bind: %v", registry.Volumes, tt.bind)
			}
			checkObjects(t, p, files)
			if tt.m.LDAP != nil && (!hasKey(p.Secrets, "ldap_bind_password_") || !hasKey(p.Configs, "ldap_ca_crt_")) {
				t.Errorf("the directory's bind password (secret) or CA (config) is missing: %v %v", p.Secrets, p.Configs)
			}
			if !bytes.Contains(files[generator.HTTPDConf].Data, []byte("ProxyPass        /v2 http://registry:5000/v2 disablereuse=On retry=0\n")) {
				t.Errorf("httpd.conf does not spread requests over the registry's tasks")
			}
		})
	}
}

// checkObjects: every auth/ file is a config (a secret when private: root,
// the daemon group, 0440) at Apache's conf folder, config.yml is the
// registry's secret, and each key is the file's name and the content's
// digest.
func checkObjects(t *testing.T, p *types.Project, files map[string]generator.File) {
	t.Helper()
	refs := map[string]types.FileReferenceConfig{}
	for _, svc := range []string{"apache", "registry"} {
		for _, c := range p.Services[svc].Configs {
			refs[svc+"/"+c.Source] = types.FileReferenceConfig(c)
		}
		for _, s := range p.Services[svc].Secrets {
			refs[svc+"/"+s.Source] = types.FileReferenceConfig(s)
		}
	}
	n := 0
	for _, f := range files {
		svc, target := "apache", "/usr/local/apache2/conf/"+path.Base(f.Path)
		switch {
		case f.Path == generator.RegistryConfig:
			svc, target = "registry", generator.RegistryConfigPath
		case !strings.HasPrefix(f.Path, "auth/"):
			continue
		}
		n++
		key := strings.NewReplacer(".", "_", "-", "_").Replace(path.Base(f.Path))
		if f.Path == generator.RegistryConfig {
			key = "registry_config"
		}
		sum := sha256.Sum256(f.Data)
		key += "_" + hex.EncodeToString(sum[:])[:12]
		ref, ok := refs[svc+"/"+key]
		if !ok {
			t.Errorf("%s: %s does not use %s", f.Path, svc, key)
			continue
		}
		if ref.Target != target {
			t.Errorf("%s: target %s, want %s", f.Path, ref.Target, target)
		}
		secret := f.Private || f.Path == generator.RegistryConfig
		obj, declared := p.Configs[key]
		if secret {
			var s types.SecretConfig
			s, declared = p.Secrets[key]
			obj = types.ConfigObjConfig(s)
			wantMode := types.FileMode(0o440)
			if svc == "registry" {
				wantMode = 0o400
			}
			if ref.Mode == nil || *ref.Mode != wantMode || ref.UID != "0" || (svc == "apache" && ref.GID != "1") {
				t.Errorf("%s: uid %q gid %q mode %v, want root, the daemon group, %o", f.Path, ref.UID, ref.GID, ref.Mode, wantMode)
			}
		}
		// No name of its own: stack deploy names it STACK_KEY (compose-go
		// likewise, with the project's name).
		if !declared || obj.Name != "fuzz_"+key || obj.File == "" {
			t.Errorf("%s: declared as a secret %v: %v, name %q, want fuzz_%s", f.Path, secret, declared, obj.Name, key)
		}
	}
	if n != len(refs) || n < 5 {
		t.Errorf("%d files, %d configs and secrets: want one per file", n, len(refs))
	}
}

// TestStackNamesFollowContent: a new user changes the password file's
// secret key and nothing else; a render from the previous files changes
// no byte; compose output keeps its ProxyPass as it was.
func TestStackNamesFollowContent(t *testing.T) {
	st := model.Storage{Driver: model.StorageFilesystem}
	first := render(t, swarmModel(2, st), generator.Previous{})
	prev := generator.Previous{HTPasswd: first[generator.HTPasswd].Data, Cert: first[generator.Cert].Data, Key: first[generator.Key].Data, RegistryConfig: first[generator.RegistryConfig].Data}
	again := render(t, swarmModel(2, st), prev)
	if !bytes.Equal(first[generator.StackFile].Data, again[generator.StackFile].Data) {
		t.Errorf("a re-render changed %s:\n%s\n---\n%s", generator.StackFile, first[generator.StackFile].Data, again[generator.StackFile].Data)
	}
	changed := render(t, swarmModel(2, st, "newuser"), prev)
	a, b := strings.Split(string(first[generator.StackFile].Data), "\n"), strings.Split(string(changed[generator.StackFile].Data), "\n")
	var diff []string
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			diff = append(diff, b[i])
		}
	}
	if len(a) != len(b) || len(diff) != 2 || !strings.Contains(diff[0], "source: httpd_htpasswd_") || !strings.HasPrefix(diff[1], "  httpd_htpasswd_") {
		t.Errorf("a new user changed %q, want only the password file's secret key (its use and its declaration)", diff)
	}
	compose := swarmModel(1, st)
	compose.Deploy = model.Deploy{Target: model.TargetCompose, Replicas: model.Replicas{Apache: 1, Registry: 1}}
	if conf := render(t, compose, generator.Previous{})[generator.HTTPDConf].Data; !bytes.Contains(conf, []byte("ProxyPass        /v2 http://registry:5000/v2\n")) {
		t.Errorf("the compose target's ProxyPass changed")
	}
}

func hasKey[V any](m map[string]V, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
