package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/stacktest"
	"gopkg.in/yaml.v3"
)

// The Kubernetes target against a real kube-apiserver (and etcd) on
// loopback: the API stores and validates objects; no kubelet runs, so pods
// never start (internal/stacktest/kube.go).

// kubeSpec is the quickstart's users with a deploy (and storage) block.
func kubeSpec(blocks string) []byte {
	return []byte(`domain: myregistrydomain.com
port: 5043
tls:
  cert: domain.crt
  key: domain.key
users:
  - name: testuser
    password: testpassword
  - name: testuserpush
    password: testpasswordpush
groups:
  pusher: [testuserpush]
access:
  push: [pusher]
` + blocks)
}

const kubeS3 = `storage:
  driver: s3
  s3: {endpoint: https://s3.internal:8333, bucket: registry, region: us-east-1,
       access_key_env: KUBE_TEST_S3_ACCESS, secret_key_env: KUBE_TEST_S3_SECRET}
`

// kubeLDAPSpec is testdata/ldap.yaml on Kubernetes.
func kubeLDAPSpec(t *testing.T, dir string) []byte {
	t.Helper()
	for _, f := range []string{"ldap-bind.password"} {
		data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), data)
	}
	data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "ldap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return append(data, "deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n"...)
}

// kubeObject is what the checks read of one rendered object.
type kubeObject struct {
	Kind     string
	Metadata struct{ Name string }
	Data     map[string]string
	Spec     struct {
		Replicas    int
		AccessModes []string `yaml:"accessModes"`
		Type        string
		Template    struct {
			Spec struct {
				Volumes []struct {
					Name                  string
					PersistentVolumeClaim *struct{ ClaimName string } `yaml:"persistentVolumeClaim"`
				}
			}
		}
	}
}

// kustomize runs kubectl kustomize on the folder and decodes every object.
func kustomize(t *testing.T, k *stacktest.KubeAPI, folder string) map[string]kubeObject {
	t.Helper()
	out, err := k.Run(context.Background(), "kustomize", folder)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	objs := map[string]kubeObject{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		var o kubeObject
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding kubectl kustomize's output: %v", err)
		}
		name := o.Metadata.Name
		if i := strings.LastIndex(name, "-"); (o.Kind == "ConfigMap" || o.Kind == "Secret") && i > 0 {
			name = name[:i] // the content hash
		}
		objs[o.Kind+"/"+name] = o
	}
	return objs
}

// TestKubeDryRun renders each kind of spec and has the real API server
// validate the folder (apply -k --dry-run=server: strict field validation,
// selectors, names); kubectl kustomize renders it, the generated objects
// carry exactly the rendered auth/ files, and the claim follows the
// storage and the replicas.
func TestKubeDryRun(t *testing.T) {
	k := stacktest.StartKube(t)
	t.Setenv("KUBE_TEST_S3_ACCESS", "AKIDEXAMPLE")
	t.Setenv("KUBE_TEST_S3_SECRET", "s3-secret-example")
	for _, tc := range []struct {
		name             string
		spec             func(t *testing.T, dir string) []byte
		replicas         int
		claim            string // the claim's access mode; "" none
		configs, secrets string // the keys of the ConfigMap and the Secret
	}{
		{"2x2 filesystem", func(*testing.T, string) []byte {
			return kubeSpec("deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n")
		}, 2, "ReadWriteMany", "authcache.lua domain.crt httpd.conf httpd.groups", "domain.key httpd.htpasswd"},
		{"1x1 filesystem", func(*testing.T, string) []byte {
			return kubeSpec("deploy: {target: kubernetes, replicas: {apache: 1, registry: 1}}\n")
		}, 1, "ReadWriteOnce", "authcache.lua domain.crt httpd.conf httpd.groups", "domain.key httpd.htpasswd"},
		{"2x2 s3", func(*testing.T, string) []byte {
			return kubeSpec("deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n" + kubeS3)
		}, 2, "", "authcache.lua domain.crt httpd.conf httpd.groups", "domain.key httpd.htpasswd"},
		{"ldap", kubeLDAPSpec, 2, "ReadWriteMany", "authcache.lua domain.crt httpd.conf httpd.groups ldap-ca.crt", "domain.key httpd.htpasswd ldap-bind.password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			initSpec(t, dir, tc.spec(t, dir))
			folder := filepath.Join(dir, "kubernetes")
			objs := kustomize(t, k, folder)
			if got := keys(objs["ConfigMap/apache-conf"].Data); got != tc.configs {
				t.Errorf("ConfigMap apache-conf has %q, want %q", got, tc.configs)
			}
			if got := keys(objs["Secret/apache-auth"].Data); got != tc.secrets {
				t.Errorf("Secret apache-auth has %q, want %q", got, tc.secrets)
			}
			if got := keys(objs["Secret/registry-config"].Data); got != "config.yml" {
				t.Errorf("Secret registry-config has %q, want config.yml", got)
			}
			for _, d := range []string{"Deployment/apache", "Deployment/registry"} {
				if got := objs[d].Spec.Replicas; got != tc.replicas {
					t.Errorf("%s: %d replicas, want %d", d, got, tc.replicas)
				}
			}
			if got := objs["Service/apache"].Spec.Type; got != "LoadBalancer" {
				t.Errorf("Service apache is %q, want LoadBalancer", got)
			}
			claim, mounted := objs["PersistentVolumeClaim/registry-data"], false
			for _, v := range objs["Deployment/registry"].Spec.Template.Spec.Volumes {
				mounted = mounted || v.PersistentVolumeClaim != nil
			}
			if got := strings.Join(claim.Spec.AccessModes, ","); got != tc.claim || mounted != (tc.claim != "") {
				t.Errorf("claim %q (mounted: %v), want %q", got, mounted, tc.claim)
			}
			dryRun(t, k, folder, len(objs))
		})
	}
}

// dryRun has the server validate the folder, applied as kubectl does by
// default and as GitOps tools do (server-side apply), and wants every
// object accepted.
func dryRun(t *testing.T, k *stacktest.KubeAPI, folder string, objects int) {
	t.Helper()
	for _, mode := range [][]string{nil, {"--server-side"}} {
		out, err := k.Run(context.Background(), append([]string{"apply", "-k", folder, "--dry-run=server"}, mode...)...)
		if err != nil {
			t.Fatalf("the server refused the manifests (apply %v): %v\n%s", mode, err, out)
		}
		if n := strings.Count(out, "(server dry run)"); n != objects {
			t.Errorf("apply %v: the server checked %d objects, kustomize rendered %d:\n%s", mode, n, objects, out)
		}
	}
}

func keys(m map[string]string) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// TestKubeDryRunCatchesBrokenManifests: the dry run is a real check: a
// selector that no longer matches the pods, an unknown field and a port
// name over 15 characters are each refused.
func TestKubeDryRunCatchesBrokenManifests(t *testing.T) {
	k := stacktest.StartKube(t)
	for _, tc := range []struct {
		name, file, old, new, want string
	}{
		{"selector", "apache.yaml", "  selector:\n    matchLabels:\n      app.kubernetes.io/name: apache\n",
			"  selector:\n    matchLabels:\n      app.kubernetes.io/name: apache-other\n", "does not match template `labels`"},
		{"unknown field", "registry.yaml", "  replicas: ", "  replicaz: 3\n  replicas: ", `unknown field "spec.replicaz"`},
		{"port name", "apache.yaml", "            - name: https\n", "            - name: https-for-the-proxy\n", "must be no more than 15 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			initSpec(t, dir, kubeSpec("deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n"))
			folder := filepath.Join(dir, "kubernetes")
			dryRun(t, k, folder, len(kustomize(t, k, folder))) // accepted as rendered
			path := filepath.Join(folder, tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, []byte(tc.old)) {
				t.Fatalf("%s has no %q", tc.file, tc.old)
			}
			writeFile(t, path, bytes.Replace(data, []byte(tc.old), []byte(tc.new), 1))
			out, err := k.Run(context.Background(), "apply", "-k", folder, "--dry-run=server")
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("dry run of the broken %s: err %v, want %q in:\n%s", tc.file, err, tc.want, out)
			}
		})
	}
}

// snapshot reads every file and link under dir (the state file and the
// lock too) as path -> mode and bytes, or link target.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if info.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(path)
			files[rel] = "-> " + target
			return err
		}
		data, err := os.ReadFile(path)
		files[rel] = info.Mode().String() + " " + string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestKubeRerenderChangesNothing: init twice in the spec's folder, as a
// person runs it (relative paths, the CLI): no byte changes, so the
// registry's http.secret and every content-hash name stay.
func TestKubeRerenderChangesNothing(t *testing.T) {
	bin := buildCLI(t)
	dir := t.TempDir()
	writeSpecFiles(t, dir, kubeSpec("deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n"))
	run := func() {
		t.Helper()
		if out, err := runCLI(t, bin, dir, nil, "init"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	run()
	first := snapshot(t, dir)
	if !strings.Contains(first["registry/config.yml"], "secret: ") || !strings.HasPrefix(first["kubernetes/registry/config.yml"], "-rw------- ") {
		t.Fatalf("no private registry config in kubernetes/: %q", first["kubernetes/registry/config.yml"])
	}
	time.Sleep(1100 * time.Millisecond) // anything time-based would differ now
	run()
	second := snapshot(t, dir)
	for path, was := range first {
		if second[path] != was {
			t.Errorf("%s changed on a re-render", path)
		}
	}
	for path := range second {
		if _, ok := first[path]; !ok {
			t.Errorf("%s appeared on a re-render", path)
		}
	}
}

// writeSpecFiles writes regsetup.yaml and the test certificate into dir.
func writeSpecFiles(t *testing.T, dir string, spec []byte) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "regsetup.yaml"), spec)
	for _, f := range []string{"domain.crt", "domain.key"} {
		data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), data)
	}
}

// runCLI runs the regsetup binary in dir with env added and returns its
// stdout and stderr together with an error that carries the exit code.
func runCLI(t *testing.T, bin, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(withoutRegsetupEnv(os.Environ()), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("regsetup %s:\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	return "stdout:\n" + stdout.String() + "stderr:\n" + stderr.String(), err
}
