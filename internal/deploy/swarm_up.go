package deploy

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// swarmTimeout is up's default wait with target swarm: a rolling update
// replaces one task at a time and waits for each to be healthy.
const swarmTimeout = 3 * time.Minute

// SwarmUp deploys the stack file (deploy.target swarm) and returns once
// every task of every service runs the file's spec and every Apache
// task's published port answers over TLS (service status alone does not
// show a routing mesh that does not work); then it removes the stack's
// configs and secrets that the file no longer names. A changed file is a
// new config name, so Swarm rolls the services that use it, start-first,
// one task at a time; an update an engine race rolled back is deployed
// again (rollout). Each service is reported started, updated or
// unchanged.
func SwarmUp(ctx context.Context, o Options) (*Result, error) {
	long := o.Timeout == 0
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if long {
		o.Timeout = swarmTimeout
	}
	d := Docker{Runner: o.Runner}
	o.Progress("checking docker")
	s, sf, set, err := o.openSwarm(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.NeedImages(ctx, o.ApacheImage, o.RegistryImage); err != nil {
		return nil, err
	}
	want := sf.objects
	if err := checkNames(want); err != nil {
		return nil, err
	}
	before, err := s.Services(ctx)
	if err != nil {
		return nil, err
	}
	if v := before["apache"]; v == nil || !slices.Equal(v.Spec.TaskTemplate.ContainerSpec.objects(), want["apache"]) {
		if err := o.configTest(ctx, d); err != nil {
			return nil, err
		}
	}
	eps, retries, err := o.rollout(ctx, s, want)
	if err != nil {
		return nil, err
	}
	after, err := s.Services(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Set: set, Endpoints: eps}
	for _, svc := range sortedKeys(want) {
		res.Services = append(res.Services, swarmCompared(svc, before[svc], after[svc], sf.files))
	}
	keep := map[string]bool{}
	for _, names := range want {
		for _, n := range names {
			keep[n] = true
		}
	}
	removed, notes, err := s.PruneObjects(ctx, keep)
	if err != nil {
		return nil, err
	}
	if len(removed) > 0 {
		o.Progress("removed the configs and secrets no service uses any more: " + strings.Join(removed, ", "))
	}
	res.Notes = append(retries, notes...)
	return res, nil
}

// swarmCompared says what the deploy did to one service.
func swarmCompared(svc string, before, after *swarmService, files map[string]string) ServiceResult {
	switch {
	case before == nil:
		return ServiceResult{Service: svc, Action: Started, Reason: "it was not running"}
	case specOf(before) == specOf(after):
		return ServiceResult{Service: svc, Action: Unchanged}
	}
	var why []string
	b, a := before.Spec.TaskTemplate.ContainerSpec, after.Spec.TaskTemplate.ContainerSpec
	for _, n := range a.objects() {
		if !slices.Contains(b.objects(), n) {
			why = append(why, files[n])
		}
	}
	if len(why) > 0 {
		why = []string{strings.Join(why, ", ") + " changed"}
	}
	if b.Image != a.Image {
		why = append(why, "its image changed")
	}
	if before.replicas() != after.replicas() {
		why = append(why, fmt.Sprintf("replicas %d -> %d", before.replicas(), after.replicas()))
	}
	if len(why) == 0 {
		why = []string{"its stack settings changed"}
	}
	return ServiceResult{Service: svc, Action: Updated, Reason: strings.Join(why, "; ")}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SwarmDown removes the stack and waits until its tasks are gone. The
// registry's data stays unless deleteData (then data/ is emptied once no
// task uses it).
func SwarmDown(ctx context.Context, o Options, deleteData bool) error {
	if err := o.defaults(); err != nil {
		return err
	}
	if err := (Docker{Runner: o.Runner}).Ping(ctx); err != nil {
		return err
	}
	s := o.swarm()
	o.Progress("removing the stack " + s.Stack)
	if err := s.Remove(ctx); err != nil {
		return err
	}
	if err := s.waitGone(ctx, o.Timeout); err != nil {
		return err
	}
	if deleteData {
		o.Progress("deleting data/ (--delete-data)")
		return removeContents(filepath.Join(o.Dir, "data"))
	}
	return nil
}

// waitGone waits until no container of the stack is left on this node.
func (s *Swarm) waitGone(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		out, err := s.docker(ctx, "ps", "-a", "-q", "--filter", "label=com.docker.stack.namespace="+s.Stack)
		if err == nil && strings.TrimSpace(string(out)) == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the stack's containers are still there after %v: %s", timeout, strings.Fields(string(out)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// maxObjectName is the longest config or secret name Swarm accepts.
const maxObjectName = 64

// checkNames refuses object names Swarm would reject (STACK_KEY grows
// with the stack's name), before anything is deployed.
func checkNames(objects map[string][]string) error {
	for _, names := range objects {
		for _, n := range names {
			if len(n) > maxObjectName {
				return fmt.Errorf("%w: the config or secret name %s is longer than Swarm's %d characters: choose a shorter stack name (--project)", ErrEnvironment, n, maxObjectName)
			}
		}
	}
	return nil
}
