package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/regsetup/regsetup/internal/execx"
)

// swarmService is what docker service inspect says about one service.
type swarmService struct {
	ID      string
	Version struct{ Index int }
	Spec    struct {
		Name         string
		Labels       map[string]string
		TaskTemplate struct {
			ContainerSpec containerSpec
			ForceUpdate   int
		}
		Mode struct {
			Replicated *struct{ Replicas int }
		}
	}
	UpdateStatus *struct{ State, Message string }
	raw          json.RawMessage
}

// containerSpec is the part of a service's or task's spec that decides
// what a task runs.
type containerSpec struct {
	Image   string
	Configs []struct{ ConfigName string }
	Secrets []struct{ SecretName string }
}

// objects are the config and secret names the spec uses, sorted.
func (c containerSpec) objects() []string {
	var out []string
	for _, x := range c.Configs {
		out = append(out, x.ConfigName)
	}
	for _, x := range c.Secrets {
		out = append(out, x.SecretName)
	}
	sort.Strings(out)
	return out
}

// key is what a task of this spec runs: its image and objects.
func (c containerSpec) key() string { return c.Image + " " + strings.Join(c.objects(), ",") }

// moving is the service's update state while an update or its rollback
// is under way, else "".
func (v *swarmService) moving() string {
	if u := v.UpdateStatus; u != nil && (u.State == "updating" || u.State == "rollback_started") {
		return u.State
	}
	return ""
}

func (v *swarmService) replicas() int {
	if v.Spec.Mode.Replicated == nil {
		return 0
	}
	return v.Spec.Mode.Replicated.Replicas
}

// Services maps each of the stack's services (apache, registry) to what
// docker says about it; a service that does not exist is absent.
func (s *Swarm) Services(ctx context.Context) (map[string]*swarmService, error) {
	out, err := s.docker(ctx, "service", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+s.Stack)
	if err != nil {
		return nil, fmt.Errorf("%w: listing the stack's services: %w", ErrEnvironment, err)
	}
	found := map[string]*swarmService{}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return found, nil
	}
	out, err = s.docker(ctx, append([]string{"service", "inspect"}, ids...)...)
	if err != nil {
		return nil, fmt.Errorf("%w: inspecting the stack's services: %w", ErrEnvironment, err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(out, &raws); err != nil {
		return nil, fmt.Errorf("reading docker service inspect: %w", err)
	}
	for _, raw := range raws {
		v := &swarmService{raw: raw}
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, fmt.Errorf("reading docker service inspect: %w", err)
		}
		found[strings.TrimPrefix(v.Spec.Name, s.Stack+"_")] = v
	}
	return found, nil
}

// specOf is a service's spec as docker holds it, for comparing before and
// after a deploy.
func specOf(v *swarmService) string {
	if v == nil {
		return ""
	}
	var doc struct{ Spec json.RawMessage }
	if json.Unmarshal(v.raw, &doc) != nil {
		return ""
	}
	return string(doc.Spec)
}

// swarmTask is what docker inspect says about one task.
type swarmTask struct {
	ID           string
	ServiceID    string
	NodeID       string
	DesiredState string
	Spec         struct{ ContainerSpec containerSpec }
	Status       struct {
		State, Err, Message string
		PortStatus          struct {
			Ports []struct{ TargetPort, PublishedPort int }
		}
	}
}

// Tasks are the stack's tasks that should run (desired state running).
func (s *Swarm) Tasks(ctx context.Context) ([]swarmTask, error) {
	return s.stackTasks(ctx, "--filter", "desired-state=running")
}

// stackTasks are the stack's tasks docker stack ps lists with these
// filters: with none, also the failed and shut down ones Swarm keeps.
func (s *Swarm) stackTasks(ctx context.Context, filters ...string) ([]swarmTask, error) {
	args := append([]string{"stack", "ps", "-q", "--no-trunc"}, filters...)
	out, err := s.docker(ctx, append(args, s.Stack)...)
	if err != nil {
		var e *execx.Error
		if errors.As(err, &e) && strings.Contains(e.Output, "nothing found in stack") {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: listing the stack's tasks: %w", ErrEnvironment, err)
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return nil, nil
	}
	out, err = s.docker(ctx, append([]string{"inspect", "--type", "task"}, ids...)...)
	if err != nil {
		return nil, fmt.Errorf("%w: inspecting the stack's tasks: %w", ErrEnvironment, err)
	}
	var tasks []swarmTask
	if err := json.Unmarshal(out, &tasks); err != nil {
		return nil, fmt.Errorf("reading docker inspect of tasks: %w", err)
	}
	return tasks, nil
}

// NodeAddrs maps node ids to the address the node advertises.
func (s *Swarm) NodeAddrs(ctx context.Context, ids []string) (map[string]string, error) {
	addrs := map[string]string{}
	if len(ids) == 0 {
		return addrs, nil
	}
	out, err := s.docker(ctx, append([]string{"node", "inspect"}, ids...)...)
	if err != nil {
		return nil, fmt.Errorf("%w: inspecting the swarm's nodes: %w", ErrEnvironment, err)
	}
	var nodes []struct {
		ID            string
		Status        struct{ Addr string }
		ManagerStatus *struct{ Addr string }
	}
	if err := json.Unmarshal(out, &nodes); err != nil {
		return nil, fmt.Errorf("reading docker node inspect: %w", err)
	}
	for _, n := range nodes {
		addr := n.Status.Addr
		if (addr == "" || addr == "0.0.0.0") && n.ManagerStatus != nil {
			addr, _, _ = strings.Cut(n.ManagerStatus.Addr, ":")
		}
		addrs[n.ID] = addr
	}
	return addrs, nil
}
