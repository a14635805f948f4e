package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// SwarmStatusOf is StatusOf with target swarm: per service the replicas
// asked for and the tasks running its current spec, the Apache tasks'
// addresses, and whether the configs and secrets deployed are the ones
// the stack file on disk names (else the files they hold differ).
func SwarmStatusOf(ctx context.Context, o Options) (*Status, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	s, sf, set, err := o.openSwarm(ctx)
	if err != nil {
		return nil, err
	}
	want := sf.objects
	services, tasks, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	st := &Status{Current: set}
	var down []string
	for _, svc := range sortedKeys(want) {
		ct, differs := swarmServiceStatus(svc, services[svc], tasks, want[svc], sf.files, sf.replicas[svc])
		st.Services = append(st.Services, ct)
		st.Differs = append(st.Differs, differs...)
		if ct.State != "running" {
			down = append(down, fmt.Sprintf("%s is %s (%d of %d tasks)", svc, ct.State, ct.Tasks, ct.Desired))
		}
	}
	if st.Endpoints, err = s.endpoints(ctx, services["apache"], tasks, sf.port); err != nil {
		return st, err
	}
	st.InForce = len(st.Differs) == 0 && len(down) == 0
	if st.InForce {
		st.Loaded = set
	}
	switch {
	case len(down) > 0:
		return st, fmt.Errorf("%w: %s", ErrNotRunning, strings.Join(down, ", "))
	case len(st.Differs) > 0:
		return st, fmt.Errorf("%w: %s (regsetup up applies them)", ErrStale, strings.Join(st.Differs, ", "))
	}
	return st, nil
}

// swarmServiceStatus is one service as a Container (State running,
// updating, degraded or missing) and what of the stack file it does not
// run.
func swarmServiceStatus(svc string, v *swarmService, tasks []swarmTask, want []string, files map[string]string, replicas int) (*Container, []string) {
	ct := &Container{Service: svc, State: "missing", Desired: replicas}
	if v == nil {
		return ct, []string{svc + " is not deployed"}
	}
	spec := v.Spec.TaskTemplate.ContainerSpec
	ct.ID, ct.Desired = v.ID, v.replicas()
	for _, t := range tasks {
		if t.ServiceID == v.ID && t.Status.State == "running" && t.Spec.ContainerSpec.key() == spec.key() {
			ct.Tasks++
		}
	}
	switch {
	case v.moving() != "":
		ct.State = "updating"
	case ct.Tasks >= ct.Desired && ct.Desired > 0:
		ct.State = "running"
	default:
		ct.State = "degraded"
	}
	var differs []string
	deployed := spec.objects()
	for _, n := range want {
		if !slices.Contains(deployed, n) {
			differs = append(differs, files[n])
		}
	}
	if replicas != ct.Desired {
		differs = append(differs, fmt.Sprintf("%s replicas (%d on disk, %d deployed)", svc, replicas, ct.Desired))
	}
	return ct, differs
}

// SwarmEndpoints are the published addresses of the stack's running
// Apache tasks: what verify goes through, one by one.
func SwarmEndpoints(ctx context.Context, o Options) ([]Endpoint, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	s := o.swarm()
	sf, err := readStack(s.File, s.Stack)
	if err != nil {
		return nil, err
	}
	services, tasks, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	eps, err := s.endpoints(ctx, services["apache"], tasks, sf.port)
	if err == nil && len(eps) == 0 {
		return nil, fmt.Errorf("%w: no apache task of the stack %s runs (regsetup up, or docker service ps %s)", ErrNotRunning, s.Stack, s.service("apache"))
	}
	return eps, err
}
