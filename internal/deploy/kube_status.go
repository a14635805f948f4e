package deploy

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/execx"
)

// KubeDeployments are the Deployments of the rendered kubernetes/ folder.
var KubeDeployments = []string{generator.KubeApacheName, generator.KubeRegistryName}

// KubeStatus reports each Deployment's rollout (kubectl rollout status,
// without waiting) and whether the cluster runs the files on disk (kubectl
// diff -k). The error wraps ErrEnvironment when there is no cluster to ask
// (or it does not answer), ErrNotRunning when a Deployment is missing or
// has not rolled out, ErrStale when the cluster's objects differ from the
// folder (run regsetup up).
func KubeStatus(ctx context.Context, o Options) (*Status, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	k := Kube{Runner: o.Runner, Dir: o.Dir}
	if _, err := k.Cluster(ctx); err != nil {
		if errors.Is(err, ErrNoCluster) {
			return nil, fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		return nil, err
	}
	st := &Status{}
	var down []string
	for _, d := range KubeDeployments {
		c := &Container{Service: d}
		out, err := o.Runner.Output(ctx, execx.Cmd{Name: "kubectl", Args: []string{"rollout", "status", "deployment/" + d, "--watch=false"}})
		msg := strings.TrimSpace(string(out))
		switch {
		case err != nil && strings.Contains(err.Error(), "NotFound"), err != nil && strings.Contains(err.Error(), "not found"):
			c.State = "missing"
		case err != nil:
			return st, fmt.Errorf("%w: asking for the rollout of deployment/%s: %w", ErrEnvironment, d, err)
		case strings.Contains(msg, "successfully rolled out"):
			c.State = "running"
		default:
			c.State, c.Health = "rolling out", msg
		}
		if !c.Running() {
			down = append(down, d+" is "+strings.TrimSpace(c.State+" "+c.Health))
		}
		st.Services = append(st.Services, c)
	}
	if len(down) > 0 {
		return st, fmt.Errorf("%w: %s", ErrNotRunning, strings.Join(down, ", "))
	}
	// kubectl diff exits 1 when the server's objects differ from the
	// folder's (0: the same; more: it could not tell).
	_, err := o.Runner.Output(ctx, execx.Cmd{Name: "kubectl", Args: []string{"diff", "-k", KubeFolder(o.Dir)}})
	var exit *exec.ExitError
	switch {
	case err == nil:
		st.InForce = true
		return st, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		st.Differs = []string{generator.KubeDir + "/"}
		return st, fmt.Errorf("%w: kubectl diff -k %s shows changes (run regsetup up)", ErrStale, KubeFolder(o.Dir))
	default:
		return st, fmt.Errorf("%w: comparing the cluster with %s: %w", ErrEnvironment, KubeFolder(o.Dir), err)
	}
}

// KubeDown deletes what OUT/kubernetes applied (kubectl delete -k), and
// the older generations of its ConfigMaps and Secrets (earlier renders'
// content-hash names, which up keeps for kubectl rollout undo). The
// registry's PersistentVolumeClaim, with the images, is kept unless
// deleteData: without it, every object but those labelled
// generator.KubeStorageLabel goes.
func KubeDown(ctx context.Context, o Options, deleteData bool) error {
	if err := o.defaults(); err != nil {
		return err
	}
	k := Kube{Runner: o.Runner, Dir: o.Dir}
	if _, err := k.Cluster(ctx); err != nil {
		if errors.Is(err, ErrNoCluster) {
			return fmt.Errorf("%w: %w", ErrEnvironment, err)
		}
		return err
	}
	args := []string{"delete", "-k", KubeFolder(o.Dir), "--ignore-not-found", "--wait=false"}
	if !deleteData {
		key, value, _ := strings.Cut(generator.KubeStorageLabel, "=")
		args = append(args, "-l", key+"!="+value)
	}
	stale := []string{"delete", "configmap,secret", "-l", generator.KubeLabel, "--ignore-not-found", "--wait=false"}
	for _, cmd := range []execx.Cmd{{Name: "kubectl", Args: args}, {Name: "kubectl", Args: stale}} {
		o.Progress("deleting the objects: " + cmd.String())
		if _, err := o.Runner.Output(ctx, cmd); err != nil {
			return fmt.Errorf("%w: deleting the objects of %s: %w", ErrEnvironment, KubeFolder(o.Dir), err)
		}
	}
	return nil
}
