package deploy

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/tlsdial"
)

// Endpoint is one Apache task's published port.
type Endpoint struct {
	Task string `json:"task"`
	Addr string `json:"addr"` // NODE_ADDR:PORT
}

// errRolledBack is a service Swarm rolled back, or whose update paused.
var errRolledBack = errors.New("the update did not go through")

// convergence is where the stack stands against the stack file.
type convergence struct {
	pending   string     // why it has not converged; "" when it has
	service   string     // the service pending names
	endpoints []Endpoint // Apache's tasks
}

// converged checks every service: it runs the stack file's configs and
// secrets, no update is under way, and exactly its replicas of tasks run
// its current spec (no older task is still meant to run).
func (s *Swarm) converged(ctx context.Context, want map[string][]string, port int) (convergence, error) {
	services, tasks, err := s.snapshot(ctx)
	if err != nil {
		return convergence{}, err
	}
	for _, svc := range sortedKeys(want) {
		v := services[svc]
		if v == nil {
			return convergence{pending: "the service " + s.service(svc) + " does not exist", service: svc}, nil
		}
		spec := v.Spec.TaskTemplate.ContainerSpec
		state, msg := "", ""
		if v.UpdateStatus != nil {
			state, msg = v.UpdateStatus.State, v.UpdateStatus.Message
		}
		if !slices.Equal(spec.objects(), want[svc]) {
			return convergence{service: svc}, fmt.Errorf("%w: %s runs other configs or secrets than %s (update %s: %s)", errRolledBack, s.service(svc), filepath.Base(s.File), orNone(state), msg)
		}
		if strings.HasSuffix(state, "paused") {
			return convergence{service: svc}, fmt.Errorf("%w: the update of %s is %s: %s", errRolledBack, s.service(svc), state, msg)
		}
		if v.moving() != "" {
			return convergence{pending: s.service(svc) + " is " + state, service: svc}, nil
		}
		current, other := 0, 0
		for _, t := range tasks {
			if t.ServiceID != v.ID {
				continue
			}
			if t.Status.State == "running" && t.Spec.ContainerSpec.key() == spec.key() {
				current++
			} else {
				other++
			}
		}
		if current != v.replicas() || other > 0 {
			return convergence{pending: fmt.Sprintf("%s: %d of %d tasks run the current spec, %d others", s.service(svc), current, v.replicas(), other), service: svc}, nil
		}
	}
	eps, err := s.endpoints(ctx, services["apache"], tasks, port)
	return convergence{endpoints: eps}, err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// endpoints are the addresses of the apache service's running tasks.
func (s *Swarm) endpoints(ctx context.Context, apache *swarmService, tasks []swarmTask, port int) ([]Endpoint, error) {
	if apache == nil {
		return nil, nil
	}
	var nodes []string
	for _, t := range tasks {
		if t.ServiceID == apache.ID && t.Status.State == "running" && !slices.Contains(nodes, t.NodeID) {
			nodes = append(nodes, t.NodeID)
		}
	}
	addrs, err := s.NodeAddrs(ctx, nodes)
	if err != nil {
		return nil, err
	}
	var eps []Endpoint
	for _, t := range tasks {
		if t.ServiceID != apache.ID || t.Status.State != "running" {
			continue
		}
		for _, p := range t.Status.PortStatus.Ports {
			ep := Endpoint{Task: t.ID, Addr: net.JoinHostPort(addrs[t.NodeID], strconv.Itoa(p.PublishedPort))}
			if p.TargetPort == port && p.PublishedPort != 0 && !slices.Contains(eps, ep) { // IPv4 and IPv6 list it twice
				eps = append(eps, ep)
			}
		}
	}
	slices.SortFunc(eps, func(a, b Endpoint) int { return strings.Compare(a.Addr, b.Addr) })
	return eps, nil
}

// waitSwarm polls until the stack converged and every Apache task
// answers 401 with a Basic challenge over TLS, or the timeout.
func (o *Options) waitSwarm(ctx context.Context, s *Swarm, want map[string][]string) ([]Endpoint, error) {
	o.Progress(fmt.Sprintf("waiting until every task runs and every apache task answers (up to %v)", o.Timeout))
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	roots := tlsdial.SystemRootsWith(filepath.Join(o.authDir(), "domain.crt"))
	var last string
	svc := "apache"
	for {
		c, err := s.converged(ctx, want, o.Port)
		if err != nil && ctx.Err() != nil { // the time ran out during a docker call
			return nil, s.failure(ctx, svc, fmt.Errorf("%w: not ready after %v: %s", ErrUnhealthy, o.Timeout, last))
		}
		if err != nil {
			return nil, s.failure(ctx, orApache(c.service), fmt.Errorf("%w: %w", ErrUnhealthy, err))
		}
		if c.pending == "" {
			c.pending, svc = o.probeAll(ctx, roots, c.endpoints), "apache"
			if c.pending == "" {
				o.Progress(fmt.Sprintf("ready in %.2fs: %d apache tasks answer", time.Since(start).Seconds(), len(c.endpoints)))
				return c.endpoints, nil
			}
		} else {
			svc = c.service
		}
		if c.pending != last {
			o.Progress(c.pending)
			last = c.pending
		}
		select {
		case <-ctx.Done():
			return nil, s.failure(ctx, svc, fmt.Errorf("%w: not ready after %v: %s", ErrUnhealthy, o.Timeout, last))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func orApache(svc string) string {
	if svc == "" {
		return "apache"
	}
	return svc
}

// probeAll asks every endpoint; it returns what the first one that is
// not ready answered, or "" when all are.
func (o *Options) probeAll(ctx context.Context, roots *x509.CertPool, eps []Endpoint) string {
	if len(eps) == 0 {
		return "no apache task publishes port " + strconv.Itoa(o.Port)
	}
	for _, ep := range eps {
		p := &Probe{URL: fmt.Sprintf("https://%s:%d/v2/", o.Domain, o.Port), Dial: ep.Addr, Roots: roots}
		if err := p.Check(ctx); err != nil {
			return fmt.Sprintf("apache task %s on %s: %v", short(ep.Task), ep.Addr, err)
		}
	}
	return ""
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
