package deploy

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/execx"
)

// fakeKubectl plays kubectl: each answer is chosen by the command line's
// first words; it records every line it ran.
type fakeKubectl struct {
	missing bool              // kubectl is not installed
	answers map[string]answer // by "kubectl VERB ..." prefix
	ran     []string
}

type answer struct {
	out  string
	exit int // 0: success
}

func (f *fakeKubectl) Output(_ context.Context, c execx.Cmd) ([]byte, error) {
	line := c.String()
	f.ran = append(f.ran, line)
	if f.missing {
		return nil, &execx.Error{Cmd: line, Err: exec.ErrNotFound}
	}
	best := ""
	for prefix := range f.answers {
		if strings.HasPrefix(line, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best == "" {
		return nil, &execx.Error{Cmd: line, Output: "fakeKubectl: no answer", Err: exitError(2)}
	}
	a := f.answers[best]
	if a.exit != 0 {
		return []byte(a.out), &execx.Error{Cmd: line, Output: a.out, Err: exitError(a.exit)}
	}
	return []byte(a.out), nil
}

// exitError is a real *exec.ExitError with the given code.
func exitError(code int) error {
	err := exec.Command("sh", "-c", "exit "+strconv.Itoa(code)).Run()
	if err == nil {
		panic("sh exited 0")
	}
	return err
}

// ranAny reports whether any recorded line starts with prefix.
func (f *fakeKubectl) ranAny(prefix string) bool {
	return slices.ContainsFunc(f.ran, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

func cluster(readyExit int) map[string]answer {
	return map[string]answer{
		"kubectl config current-context": {out: "prod\n"},
		"kubectl get --raw /readyz":      {out: "ok", exit: readyExit},
	}
}

func env(kubeconfig string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if k == "KUBECONFIG" && kubeconfig != "" {
			return kubeconfig, true
		}
		return "", false
	}
}

// TestKubeUpWithoutCluster: with no cluster to talk to, up applies nothing
// and returns the exact command; with a cluster named by KUBECONFIG that
// does not answer (or no kubectl), it fails instead.
func TestKubeUpWithoutCluster(t *testing.T) {
	dir := t.TempDir()
	want := "kubectl apply -k " + filepath.Join(dir, "kubernetes")
	for _, tc := range []struct {
		name       string
		kubectl    *fakeKubectl
		kubeconfig string
		wantErr    error // nil: the command is printed
	}{
		{"no current context", &fakeKubectl{answers: map[string]answer{
			"kubectl config current-context": {out: "error: current-context is not set", exit: 1}}}, "", nil},
		{"no kubectl", &fakeKubectl{missing: true}, "", nil},
		{"default kubeconfig, server gone", &fakeKubectl{answers: cluster(1)}, "", nil},
		{"KUBECONFIG, server gone", &fakeKubectl{answers: cluster(1)}, "/k/config", ErrEnvironment},
		{"KUBECONFIG, no kubectl", &fakeKubectl{missing: true}, "/k/config", ErrEnvironment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := kubeUp(context.Background(), Options{Dir: dir, Runner: tc.kubectl}, env(tc.kubeconfig))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if r.Command != want || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "nothing was applied") {
					t.Errorf("command %q, notes %q; want %q and a note", r.Command, r.Notes, want)
				}
			}
			if tc.kubectl.ranAny("kubectl apply") {
				t.Errorf("applied without a cluster: %q", tc.kubectl.ran)
			}
		})
	}
}

// TestKubeUpApplies: with a cluster that answers, up runs kubectl apply -k
// on the folder and reports each object as kubectl did.
func TestKubeUpApplies(t *testing.T) {
	dir := t.TempDir()
	a := cluster(0)
	a["kubectl apply -k "+filepath.Join(dir, "kubernetes")] = answer{out: "configmap/apache-conf-5h8c created\nservice/registry unchanged\ndeployment.apps/apache configured\n"}
	f := &fakeKubectl{answers: a}
	r, err := kubeUp(context.Background(), Options{Dir: dir, Runner: f}, env(""))
	if err != nil {
		t.Fatal(err)
	}
	got := []ServiceResult{{"configmap/apache-conf-5h8c", Created, ""}, {"service/registry", Unchanged, ""}, {"deployment.apps/apache", Configured, ""}}
	if !slices.Equal(r.Services, got) || r.Command != "" {
		t.Errorf("services %+v, command %q; want %+v and none", r.Services, r.Command, got)
	}
	a["kubectl apply"] = answer{out: `The Deployment "apache" is invalid`, exit: 1}
	delete(a, "kubectl apply -k "+filepath.Join(dir, "kubernetes"))
	if _, err := kubeUp(context.Background(), Options{Dir: dir, Runner: f}, env("")); err == nil || !strings.Contains(err.Error(), "is invalid") {
		t.Errorf("a refused apply: err = %v, want kubectl's message", err)
	}
}

// TestKubeDown keeps the claim (the images) unless asked to delete the
// data, and removes the older generations of the generated objects.
func TestKubeDown(t *testing.T) {
	dir := t.TempDir()
	for _, deleteData := range []bool{false, true} {
		a := cluster(0)
		a["kubectl delete -k"] = answer{}
		a["kubectl delete configmap,secret -l app.kubernetes.io/part-of=regsetup"] = answer{}
		f := &fakeKubectl{answers: a}
		if err := KubeDown(context.Background(), Options{Dir: dir, Runner: f}, deleteData); err != nil {
			t.Fatal(err)
		}
		keeps := f.ranAny("kubectl delete -k " + filepath.Join(dir, "kubernetes") + " --ignore-not-found --wait=false -l app.kubernetes.io/component!=storage")
		if keeps == deleteData || !f.ranAny("kubectl delete configmap,secret -l app.kubernetes.io/part-of=regsetup") {
			t.Errorf("deleteData %v: ran %q", deleteData, f.ran)
		}
	}
}

// TestKubeStatus reads each Deployment's rollout and compares the cluster
// with the folder.
func TestKubeStatus(t *testing.T) {
	dir := t.TempDir()
	rolled := "deployment \"x\" successfully rolled out\n"
	for _, tc := range []struct {
		name             string
		apache, registry answer
		diff             answer
		wantErr          error
		wantApacheState  string
		wantInForce      bool
	}{
		{"in force", answer{out: rolled}, answer{out: rolled}, answer{}, nil, "running", true},
		{"rolling out", answer{out: "Waiting for deployment \"apache\" rollout to finish: 0 of 2 updated replicas are available...\n"}, answer{out: rolled}, answer{}, ErrNotRunning, "rolling out", false},
		{"missing", answer{out: `Error from server (NotFound): deployments.apps "apache" not found`, exit: 1}, answer{out: rolled}, answer{}, ErrNotRunning, "missing", false},
		{"stale", answer{out: rolled}, answer{out: rolled}, answer{out: "diff ...", exit: 1}, ErrStale, "running", false},
		{"diff broken", answer{out: rolled}, answer{out: rolled}, answer{out: "error", exit: 2}, ErrEnvironment, "running", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := cluster(0)
			a["kubectl rollout status deployment/apache"] = tc.apache
			a["kubectl rollout status deployment/registry"] = tc.registry
			a["kubectl diff -k"] = tc.diff
			st, err := KubeStatus(context.Background(), Options{Dir: dir, Runner: &fakeKubectl{answers: a}})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if st.Services[0].State != tc.wantApacheState || st.InForce != tc.wantInForce {
				t.Errorf("apache %q, in force %v; want %q, %v", st.Services[0].State, st.InForce, tc.wantApacheState, tc.wantInForce)
			}
		})
	}
}
