package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/execx"
)

// This file is what up does with deploy.target: kubernetes: kubectl apply
// -k of the rendered kubernetes/ folder, when a cluster is configured;
// kube_status.go is status and down.

// Kubernetes actions, as kubectl apply reports them.
const (
	Created    Action = "created"    // the object did not exist
	Configured Action = "configured" // kubectl changed it (a changed Deployment rolls its pods)
)

// Kube runs kubectl for one output folder.
type Kube struct {
	Runner execx.Runner
	Dir    string // the output folder; the kustomization is Dir/kubernetes
	// LookupEnv reads KUBECONFIG. Default os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// KubeFolder is the kustomization's folder in the output folder dir.
func KubeFolder(dir string) string { return filepath.Join(dir, filepath.FromSlash(generator.KubeDir)) }

// IsKube reports whether dir holds a rendered kubernetes/ folder.
func IsKube(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(generator.KubeKustomization)))
	return err == nil
}

// ApplyCmd is `kubectl apply -k DIR/kubernetes`, the command up runs (or
// prints when no cluster is configured).
func (k Kube) ApplyCmd() execx.Cmd {
	return execx.Cmd{Name: "kubectl", Args: []string{"apply", "-k", KubeFolder(k.Dir)}}
}

// ErrNoCluster is wrapped when kubectl has no cluster to talk to: no
// current context in its kubeconfig (or no kubectl at all).
var ErrNoCluster = errors.New("no Kubernetes cluster is configured")

// Cluster says which cluster kubectl would use: the current context's name.
// The error wraps ErrNoCluster when there is none; ErrEnvironment when the
// context's server does not answer, or kubectl is missing although
// KUBECONFIG names a cluster.
func (k Kube) Cluster(ctx context.Context) (string, error) {
	out, err := k.Runner.Output(ctx, execx.Cmd{Name: "kubectl", Args: []string{"config", "current-context"}})
	if errors.Is(err, exec.ErrNotFound) {
		if k.explicit() {
			return "", fmt.Errorf("%w: KUBECONFIG is set but kubectl is not installed: %w", ErrEnvironment, err)
		}
		return "", fmt.Errorf("%w (kubectl is not installed)", ErrNoCluster)
	}
	name := strings.TrimSpace(string(out))
	if err != nil || name == "" {
		return "", fmt.Errorf("%w (kubectl config current-context: none set)", ErrNoCluster)
	}
	// /readyz answers anyone, signed in or not: it proves the server is
	// there without needing any permission.
	if _, err := k.Runner.Output(ctx, execx.Cmd{Name: "kubectl", Args: []string{"get", "--raw", "/readyz", "--request-timeout", "15s"}}); err != nil {
		return name, fmt.Errorf("%w: the cluster of kubectl's current context %q does not answer: %w", ErrEnvironment, name, err)
	}
	return name, nil
}

// KubeUp applies OUT/kubernetes with kubectl when a cluster is configured
// and answers; otherwise it applies nothing and returns, without error, a
// Result whose Command is what to run. It does not wait for the pods: the
// Deployments roll out in the cluster (status shows how far).
func KubeUp(ctx context.Context, o Options) (*Result, error) {
	return kubeUp(ctx, o, os.LookupEnv)
}

func kubeUp(ctx context.Context, o Options, lookupEnv func(string) (string, bool)) (*Result, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	k := Kube{Runner: o.Runner, Dir: o.Dir, LookupEnv: lookupEnv}
	apply := k.ApplyCmd()
	name, err := k.Cluster(ctx)
	// No cluster, or a default kubeconfig whose cluster is gone (not a
	// request to deploy there, unlike KUBECONFIG): say so, print the command.
	if err != nil && (errors.Is(err, ErrNoCluster) || !k.explicit()) {
		return &Result{Command: apply.String(), Notes: []string{
			err.Error() + ": nothing was applied; run the command printed on stdout where kubectl reaches your cluster"}}, nil
	}
	if err != nil {
		return nil, err
	}
	o.Progress("applying " + KubeFolder(o.Dir) + " to the cluster of context " + name + ": " + apply.String())
	out, err := o.Runner.Output(ctx, apply)
	if err != nil {
		return nil, fmt.Errorf("%w: applying the manifests: %w", ErrNotRunning, err)
	}
	r := &Result{Services: appliedObjects(out), Notes: []string{
		"applied to the cluster of kubectl context " + name + "; the pods roll out there: regsetup status shows the rollout"}}
	return r, nil
}

// explicit reports whether KUBECONFIG names a kubeconfig: a request to
// use its cluster.
func (k Kube) explicit() bool {
	lookup := k.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	v, ok := lookup("KUBECONFIG")
	return ok && v != ""
}

// appliedObjects reads kubectl apply's lines ("deployment.apps/apache
// configured") in its order.
func appliedObjects(out []byte) []ServiceResult {
	var rs []ServiceResult
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		a := Action(strings.Join(f[1:], " "))
		switch a {
		case "created":
			a = Created
		case "configured":
			a = Configured
		}
		rs = append(rs, ServiceResult{Service: f[0], Action: a})
	}
	return rs
}
