package generator_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/spec"
	"gopkg.in/yaml.v3"
)

// kubeModel reads testdata/NAME with the blocks appended (from testdata/,
// so the files it names are found).
func kubeModel(t *testing.T, name, blocks string) *model.Model {
	t.Helper()
	path := filepath.Join(golden.Root(), "testdata", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBE_UNIT_S3_ACCESS", "AKIDEXAMPLE")
	t.Setenv("KUBE_UNIT_S3_SECRET", "s3-secret-example")
	m, err := spec.Parse(path, append(data, blocks...), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const kubeS3Block = `storage:
  driver: s3
  s3: {endpoint: https://s3.internal:8333, bucket: registry, region: us-east-1,
       access_key_env: KUBE_UNIT_S3_ACCESS, secret_key_env: KUBE_UNIT_S3_SECRET}
`

// kubeDocs decodes a multi-document manifest, by "Kind/name".
func kubeDocs(t *testing.T, data []byte) map[string]map[string]any {
	t.Helper()
	docs := map[string]map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var d map[string]any
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			return docs
		} else if err != nil {
			t.Fatalf("%v in:\n%s", err, data)
		}
		docs[d["kind"].(string)+"/"+dig(d, "metadata", "name").(string)] = d
	}
}

// dig walks mapping keys and list indexes (ints).
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestKubernetesFolder: the folder carries every auth/ file Render made
// (private ones in the Secret, 0600 in the folder; the rest in the
// ConfigMap), the registry's config.yml as a Secret, the replicas, a claim
// that follows storage and replicas, and the directory's environment.
func TestKubernetesFolder(t *testing.T) {
	for _, tc := range []struct {
		name, spec, blocks string
		replicas           int
		claim, strategy    string // the claim's access mode ("" none); the registry's rollout
		secrets            []string
	}{
		{"1x1 filesystem", "quickstart.yaml", "deploy: {target: kubernetes, replicas: {apache: 1, registry: 1}}\n", 1, "ReadWriteOnce", "Recreate", []string{"auth/httpd.htpasswd", "auth/domain.key"}},
		{"2x2 filesystem", "quickstart.yaml", "deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n", 2, "ReadWriteMany", "RollingUpdate", []string{"auth/httpd.htpasswd", "auth/domain.key"}},
		{"2x2 s3", "quickstart.yaml", "deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n" + kubeS3Block, 2, "", "RollingUpdate", []string{"auth/httpd.htpasswd", "auth/domain.key"}},
		{"1x1 s3", "quickstart.yaml", "deploy: {target: kubernetes, replicas: {apache: 1, registry: 1}}\n" + kubeS3Block, 1, "", "RollingUpdate", []string{"auth/httpd.htpasswd", "auth/domain.key"}},
		{"ldap", "ldap.yaml", "deploy: {target: kubernetes, replicas: {apache: 3, registry: 2}}\n", 3, "ReadWriteMany", "RollingUpdate", []string{"auth/httpd.htpasswd", "auth/domain.key", "auth/ldap-bind.password"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := kubeModel(t, tc.spec, tc.blocks)
			files, err := generator.Render(m, generator.Previous{}, generator.Options{})
			if err != nil {
				t.Fatal(err)
			}
			byPath := map[string]generator.File{}
			for _, f := range files {
				byPath[f.Path] = f
			}
			var configs, secrets []string
			for _, f := range files {
				if !strings.HasPrefix(f.Path, "auth/") && f.Path != generator.RegistryConfig {
					continue
				}
				c, ok := byPath["kubernetes/"+f.Path]
				if !ok || !bytes.Equal(c.Data, f.Data) {
					t.Errorf("kubernetes/%s: missing or not a copy of %s", f.Path, f.Path)
				}
				private := f.Private || f.Path == generator.RegistryConfig
				if want := fs.FileMode(0o600); private && c.Mode != want {
					t.Errorf("kubernetes/%s: mode %v, want %v", f.Path, c.Mode, want)
				}
				switch {
				case f.Path == generator.RegistryConfig:
				case f.Private:
					secrets = append(secrets, f.Path)
				default:
					configs = append(configs, f.Path)
				}
			}
			if !slices.Equal(secrets, tc.secrets) {
				t.Errorf("private auth/ files %q, want %q", secrets, tc.secrets)
			}
			var k map[string]any
			if err := yaml.Unmarshal(byPath[generator.KubeKustomization].Data, &k); err != nil {
				t.Fatal(err)
			}
			if got := listOf(dig(k, "configMapGenerator", 0, "files")); !slices.Equal(got, configs) {
				t.Errorf("configMapGenerator files %q, want %q", got, configs)
			}
			if got := listOf(dig(k, "secretGenerator", 0, "files")); !slices.Equal(got, secrets) {
				t.Errorf("secretGenerator files %q, want %q", got, secrets)
			}
			if got := listOf(dig(k, "secretGenerator", 1, "files")); !slices.Equal(got, []string{generator.RegistryConfig}) {
				t.Errorf("registry secret files %q", got)
			}

			apache := kubeDocs(t, byPath[generator.KubeApache].Data)
			registry := kubeDocs(t, byPath[generator.KubeRegistry].Data)
			if got := dig(apache["Deployment/apache"], "spec", "replicas"); got != tc.replicas {
				t.Errorf("apache replicas %v, want %d", got, tc.replicas)
			}
			if got := dig(registry["Deployment/registry"], "spec", "replicas"); got != m.Deploy.Replicas.Registry {
				t.Errorf("registry replicas %v, want %d", got, m.Deploy.Replicas.Registry)
			}
			pod := dig(apache["Deployment/apache"], "spec", "template", "spec")
			if got := dig(pod, "securityContext", "fsGroup"); got != m.DaemonGID {
				t.Errorf("fsGroup %v, want the workers' group %d", got, m.DaemonGID)
			}
			if got := dig(pod, "containers", 0, "ports", 0, "containerPort"); got != m.Port {
				t.Errorf("containerPort %v, want %d", got, m.Port)
			}
			if got := dig(apache["Service/apache"], "spec", "ports", 0, "port"); got != m.Port {
				t.Errorf("Service port %v, want %d", got, m.Port)
			}
			for _, probe := range []string{"readinessProbe", "livenessProbe"} {
				if dig(pod, "containers", 0, probe, "tcpSocket", "port") != "https" {
					t.Errorf("apache %s is not a TCP probe of the TLS port", probe)
				}
			}
			env := dig(pod, "containers", 0, "env")
			if (m.LDAP != nil) != (dig(env, 0, "name") == "LDAPTIMEOUT") {
				t.Errorf("apache env %v (ldap: %v)", env, m.LDAP != nil)
			}
			if got := dig(registry["Service/registry"], "spec", "ports", 0, "port"); got != 5000 {
				t.Errorf("Service registry port %v, want 5000 (httpd.conf proxies to http://registry:5000)", got)
			}
			if got := dig(registry["Deployment/registry"], "spec", "strategy", "type"); got != tc.strategy {
				t.Errorf("registry strategy %v, want %s", got, tc.strategy)
			}
			claim := registry["PersistentVolumeClaim/registry-data"]
			if got, _ := dig(claim, "spec", "accessModes", 0).(string); got != tc.claim {
				t.Errorf("claim access mode %q, want %q", got, tc.claim)
			}
			mounts := dig(registry["Deployment/registry"], "spec", "template", "spec", "volumes")
			if l, _ := mounts.([]any); (len(l) == 2) != (tc.claim != "") {
				t.Errorf("registry volumes %v (claim %q)", mounts, tc.claim)
			}
		})
	}
}

func listOf(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, s := range l {
		out = append(out, s.(string))
	}
	return out
}

// TestKubernetesRerenderSameBytes: a render from what the first one wrote
// (Previous) gives the same bytes in kubernetes/: nothing random or
// time-based, the registry's secret kept.
func TestKubernetesRerenderSameBytes(t *testing.T) {
	m := kubeModel(t, "quickstart.yaml", "deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n")
	first, err := generator.Render(m, generator.Previous{}, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	prev := generator.Previous{}
	for _, f := range first {
		switch f.Path {
		case generator.HTPasswd:
			prev.HTPasswd = f.Data
		case generator.Cert:
			prev.Cert = f.Data
		case generator.Key:
			prev.Key = f.Data
		case generator.RegistryConfig:
			prev.RegistryConfig = f.Data
		}
	}
	second, err := generator.Render(m, prev, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, f := range first {
		if !strings.HasPrefix(f.Path, generator.KubeDir+"/") {
			continue
		}
		n++
		if second[i].Path != f.Path || !bytes.Equal(second[i].Data, f.Data) {
			t.Errorf("%s differs on a re-render", f.Path)
		}
	}
	if n == 0 {
		t.Fatal("no kubernetes/ files rendered")
	}
}

// TestKubernetesNeedsTheFiles: without the registry's config or the auth/
// files there is nothing to mount, and the render says so.
func TestKubernetesNeedsTheFiles(t *testing.T) {
	m := kubeModel(t, "quickstart.yaml", "deploy: {target: kubernetes}\n")
	files, err := generator.Render(m, generator.Previous{}, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generator.KubernetesFiles(m, files); err != nil {
		t.Fatalf("with every file: %v", err)
	}
	for _, drop := range []string{generator.RegistryConfig, generator.HTPasswd} {
		var rest []generator.File
		for _, f := range files {
			if f.Path != drop && !(drop == generator.HTPasswd && f.Private) {
				rest = append(rest, f)
			}
		}
		if _, err := generator.KubernetesFiles(m, rest); err == nil {
			t.Errorf("without %s: no error", drop)
		}
	}
}
