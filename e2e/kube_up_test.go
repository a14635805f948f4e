package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// exitCode is the exit status of a finished command (0 when err is nil).
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if !errors.As(err, &ee) {
		t.Fatalf("did not run: %v", err)
	}
	return ee.ExitCode()
}

// kubeEnv is what the CLI needs to reach the test server: its kubeconfig,
// a private discovery cache, and the kubectl built with it first on PATH.
func kubeEnv(k *stacktest.KubeAPI) []string {
	return append(k.Env(), "PATH="+filepath.Dir(k.Kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestKubeUpStatusDown runs the CLI against the real API server: up
// applies the folder (the objects exist afterwards, under the content-hash
// names kustomize gives), a second up changes nothing, status reports the
// rollout (no kubelet here: the pods never become available), and, once
// the Deployments report rolled out, whether the cluster runs the files on
// disk; down deletes everything but the claim with the images, down
// --delete-data the claim too.
func TestKubeUpStatusDown(t *testing.T) {
	k := stacktest.StartKube(t)
	bin := buildCLI(t)
	dir := t.TempDir()
	writeSpecFiles(t, dir, kubeSpec("deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n"))
	env := kubeEnv(k)
	cli := func(want int, args ...string) string {
		t.Helper()
		out, err := runCLI(t, bin, dir, env, args...)
		if got := exitCode(t, err); got != want {
			t.Fatalf("regsetup %s: exit %d, want %d\n%s", strings.Join(args, " "), got, want, out)
		}
		return out
	}
	kubectl := func(args ...string) string {
		t.Helper()
		out, err := k.Run(context.Background(), args...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return out
	}

	cli(0, "init")
	out := cli(0, "up")
	mustContain(t, "up's output", out, "created    deployment.apps/apache", "created    deployment.apps/registry",
		"created    persistentvolumeclaim/registry-data", "created    service/registry")
	names := map[string]string{}
	for kind, o := range kustomize(t, k, filepath.Join(dir, "kubernetes")) {
		names[kind] = o.Metadata.Name
	}
	got := kubectl("get", "deployment,service,pdb,pvc,configmap,secret", "-l", "app.kubernetes.io/part-of=regsetup", "-o", "name")
	for _, want := range []string{"deployment.apps/apache", "deployment.apps/registry", "service/apache", "service/registry",
		"poddisruptionbudget.policy/apache", "persistentvolumeclaim/registry-data",
		"configmap/" + names["ConfigMap/apache-conf"], "secret/" + names["Secret/apache-auth"], "secret/" + names["Secret/registry-config"]} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("after up, the cluster has no %s:\n%s", want, got)
		}
	}
	if r := kubectl("get", "deployment/apache", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.volumes[0].projected.sources[0].configMap.name}"); r != "2 "+names["ConfigMap/apache-conf"] {
		t.Errorf("deployment/apache: %q, want 2 replicas mounting %s", r, names["ConfigMap/apache-conf"])
	}

	// A second up changes no object. (kubectl says "configured" for the
	// Secrets, whose generated base64 it wraps, and the budgets, whose
	// selector it always resends; the server stores nothing new.)
	versions := "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}"
	before := kubectl("get", "deployment,service,pdb,pvc,configmap,secret", "-l", "app.kubernetes.io/part-of=regsetup", "-o", versions)
	out = cli(0, "up")
	mustContain(t, "the second up", out, "unchanged  deployment.apps/apache", "unchanged  deployment.apps/registry", "unchanged  configmap/")
	if after := kubectl("get", "deployment,service,pdb,pvc,configmap,secret", "-l", "app.kubernetes.io/part-of=regsetup", "-o", versions); after != before {
		t.Errorf("a second up changed objects:\nbefore %s\nafter  %s", before, after)
	}

	out = cli(6, "status")
	mustContain(t, "status", out, "apache     rolling out", "registry   rolling out")

	// No kubelet or controller runs here: report what they would once the
	// pods are available, so status gets as far as comparing with the disk.
	for _, d := range []string{"apache", "registry"} {
		gen := kubectl("get", "deployment/"+d, "-o", "jsonpath={.metadata.generation}")
		kubectl("patch", "deployment/"+d, "--subresource=status", "--type=merge", "-p",
			`{"status":{"observedGeneration":`+gen+`,"replicas":2,"updatedReplicas":2,"readyReplicas":2,"availableReplicas":2}}`)
	}
	out = cli(0, "status")
	mustContain(t, "status", out, "apache     running", "in force:  the files on disk")

	// A new user: the files on disk are no longer what the cluster runs.
	spec, err := os.ReadFile(filepath.Join(dir, "regsetup.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "regsetup.yaml"), []byte(strings.Replace(string(spec),
		"users:\n", "users:\n  - name: newuser\n    password: newpassword\n", 1)))
	cli(0, "init")
	out = cli(4, "status")
	mustContain(t, "status", out, "not in force")

	cli(0, "down")
	got = kubectl("get", "deployment,service,pdb,pvc,configmap,secret", "-l", "app.kubernetes.io/part-of=regsetup", "-o", "name")
	if strings.TrimSpace(got) != "persistentvolumeclaim/registry-data" {
		t.Errorf("after down, the cluster has (want only the claim):\n%s", got)
	}
	if del := kubectl("get", "pvc/registry-data", "-o", "jsonpath={.metadata.deletionTimestamp}"); del != "" {
		t.Errorf("down deleted the claim (deletionTimestamp %s); only --delete-data may", del)
	}
	cli(0, "down", "--delete-data")
	// No controller removes the claim's protection finalizer here: deleted
	// means gone or marked for deletion.
	got = kubectl("get", "pvc", "-l", "app.kubernetes.io/part-of=regsetup", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp}{end}")
	if got != "" && !strings.HasPrefix(got, "registry-data 20") {
		t.Errorf("after down --delete-data, the claim is %q, want it gone or being deleted", got)
	}
}

// TestKubeUpWithoutCluster: with no kubeconfig at all, up applies nothing,
// exits 0 and prints the exact command, which then works where a cluster
// is configured.
func TestKubeUpWithoutCluster(t *testing.T) {
	k := stacktest.StartKube(t)
	bin := buildCLI(t)
	dir := t.TempDir()
	writeSpecFiles(t, dir, kubeSpec("deploy: {target: kubernetes, replicas: {apache: 2, registry: 2}}\n"))
	home := t.TempDir() // no ~/.kube/config
	none := []string{"HOME=" + home, "KUBECONFIG=", "PATH=" + filepath.Dir(k.Kubectl) + string(os.PathListSeparator) + os.Getenv("PATH")}
	out, err := runCLI(t, bin, dir, none, "up")
	if code := exitCode(t, err); code != 0 {
		t.Fatalf("up without a cluster: exit %d\n%s", code, out)
	}
	stdout, stderr, _ := strings.Cut(strings.TrimPrefix(out, "stdout:\n"), "stderr:\n")
	want := "kubectl apply -k " + filepath.Join(dir, "kubernetes")
	if strings.TrimSpace(stdout) != want {
		t.Errorf("stdout %q, want the command %q", stdout, want)
	}
	mustContain(t, "stderr", stderr, "no Kubernetes cluster is configured", "nothing was applied")
	if got, _ := k.Run(context.Background(), "get", "deployments", "-o", "name"); strings.TrimSpace(got) != "" {
		t.Errorf("up without a cluster applied something: %s", got)
	}

	f := strings.Fields(want)
	if out, err := k.Run(context.Background(), f[1:]...); err != nil || !strings.Contains(out, "deployment.apps/apache created") {
		t.Errorf("the printed command, run against a cluster: %v\n%s", err, out)
	}
}
