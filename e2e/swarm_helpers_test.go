package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/internal/tlsdial"
)

// swarmPort is the port Apache listens on in its tasks (each task's
// published port is one the engine picks).
const swarmPort = 5043

// swarmSpec is the stack spec of the swarm tests: users as stackSpec's,
// extra users appended, 2 Apache and 2 registry replicas on ./data.
func swarmSpec(extra ...string) []byte {
	s := `profile: secure
domain: myregistrydomain.com
port: 5043
tls:
  cert: domain.crt
  key: domain.key
deploy:
  target: swarm
  replicas: {apache: 2, registry: 2}
users:
  - name: testuser
    password: testpassword
  - name: testuserpush
    password: testpasswordpush
`
	for _, u := range extra {
		s += "  - name: " + u + "\n    password: " + u + "-password\n"
	}
	return []byte(s + `groups:
  pusher: [testuserpush]
access:
  pull: authenticated
  push: [pusher]
`)
}

// swarmStack is a stack rendered into dir and deployed on a private
// swarm.
type swarmStack struct {
	sw   *stacktest.Swarm
	spec string
	o    app.StackOptions
}

// startSwarmStack starts a private swarm (DOCKER_HOST points at it for
// the rest of the test), renders the spec and runs up.
func startSwarmStack(t *testing.T) (*swarmStack, *app.UpResult) {
	t.Helper()
	testenv.Long(t, "starts a private dockerd and a swarm stack")
	sw := stacktest.StartSwarm(t, "httpd:2.4", "registry:2")
	t.Setenv("DOCKER_HOST", sw.Host)
	spec := initSpec(t, t.TempDir(), swarmSpec())
	s := &swarmStack{sw: sw, spec: spec, o: app.StackOptions{
		Paths: app.Paths{Spec: spec}, Project: "swarm-e2e", Timeout: 4 * time.Minute,
		Progress: func(p string) { t.Log(p) },
	}}
	t.Cleanup(func() {
		if err := app.Down(context.Background(), s.o, false); err != nil {
			t.Errorf("down: %v", err)
		}
	})
	res, err := app.Up(context.Background(), s.o)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	return s, res
}

func (s *swarmStack) dir() string { return filepath.Dir(s.spec) }

// endpoints are the running Apache tasks' addresses, as verify finds them.
func (s *swarmStack) endpoints(t *testing.T) []deploy.Endpoint {
	t.Helper()
	eps, err := deploy.SwarmEndpoints(context.Background(), deploy.Options{Dir: s.dir(), Project: s.o.Project})
	if err != nil {
		t.Fatalf("finding the apache tasks: %v", err)
	}
	return eps
}

// docker runs the docker CLI on the private swarm.
func (s *swarmStack) docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.sw.Docker(args...)
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// taskBalancer plays the load balancer in front of the Apache tasks: it
// follows the running tasks (it asks the swarm every 200 ms, as a
// balancer's health checks would) and sends each request on a new
// connection to the next task in turn. A connection that is refused
// (nothing was sent) goes to the next task, like a balancer's retry on a
// connect failure; anything after the connection is the request's fate.
type taskBalancer struct {
	t     *testing.T
	s     *swarmStack
	addrs atomic.Pointer[[]string]
	next  atomic.Uint64
	stop  chan struct{}
	done  sync.WaitGroup
	// minTasks is the fewest running Apache tasks seen while it ran.
	minTasks atomic.Int64
}

func newBalancer(t *testing.T, s *swarmStack) *taskBalancer {
	b := &taskBalancer{t: t, s: s, stop: make(chan struct{})}
	b.minTasks.Store(1 << 30)
	b.refresh()
	b.done.Add(1)
	go func() {
		defer b.done.Done()
		for {
			select {
			case <-b.stop:
				return
			case <-time.After(200 * time.Millisecond):
				b.refresh()
			}
		}
	}()
	t.Cleanup(b.close)
	return b
}

func (b *taskBalancer) refresh() {
	eps, err := deploy.SwarmEndpoints(context.Background(), deploy.Options{Dir: b.s.dir(), Project: b.s.o.Project})
	if err != nil {
		return // keep the last list, as a balancer would
	}
	var addrs []string
	for _, ep := range eps {
		addrs = append(addrs, ep.Addr)
	}
	b.addrs.Store(&addrs)
	if n := int64(len(addrs)); n < b.minTasks.Load() {
		b.minTasks.Store(n)
	}
}

func (b *taskBalancer) close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	b.done.Wait()
}

// dial connects to the next task that accepts the connection.
func (b *taskBalancer) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	addrs := *b.addrs.Load()
	if len(addrs) == 0 {
		return nil, errors.New("balancer: no apache task")
	}
	start := int(b.next.Add(1))
	var last error
	for i := range addrs {
		d := net.Dialer{Timeout: 3 * time.Second}
		c, err := d.DialContext(ctx, network, addrs[(start+i)%len(addrs)])
		if err == nil {
			return c, nil
		}
		last = err
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, err
		}
	}
	return nil, last
}

// transport trusts the stack's certificate and dials through the balancer.
func (b *taskBalancer) transport() *http.Transport {
	return &http.Transport{
		DialContext:       b.dial,
		TLSClientConfig:   &tls.Config{RootCAs: tlsdial.SystemRootsWith(filepath.Join(b.s.dir(), "auth", "domain.crt"))},
		DisableKeepAlives: true,
	}
}

// pinned is a transport to one address only.
func pinned(dir, addr string) *http.Transport {
	return &http.Transport{
		DialContext:       tlsdial.Pinned(&net.Dialer{Timeout: 3 * time.Second}, addr),
		TLSClientConfig:   &tls.Config{RootCAs: tlsdial.SystemRootsWith(filepath.Join(dir, "auth", "domain.crt"))},
		DisableKeepAlives: true,
	}
}

// loop is one user sending GET path through the balancer until stopped,
// counting the answers that are not 200.
type loop struct {
	user, pass string
	path       string // default /v2/
	c          *http.Client
	ok         atomic.Int64
	mu         sync.Mutex
	failures   []string
}

func (l *loop) run(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		if err := l.once(); err != nil {
			l.mu.Lock()
			l.failures = append(l.failures, time.Now().Format("15:04:05.000")+" "+err.Error())
			l.mu.Unlock()
		} else {
			l.ok.Add(1)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (l *loop) once() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := l.path
	if path == "" {
		path = "/v2/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("https://myregistrydomain.com:%d%s", swarmPort, path), nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(l.user, l.pass)
	resp, err := l.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s as %s", resp.Status, l.user)
	}
	return nil
}

// serviceLogs is the log of a service's containers on the node, each
// line prefixed with its task's name and "|" (docker service logs can
// hang waiting for a task's stream, so each container is asked alone).
func (s *swarmStack) serviceLogs(t *testing.T, service string) string {
	t.Helper()
	var b strings.Builder
	ids := s.docker(t, "ps", "-a", "-q", "--filter", "label=com.docker.swarm.service.name="+s.o.Project+"_"+service)
	for _, id := range strings.Fields(ids) {
		task := s.docker(t, "inspect", "--format", `{{index .Config.Labels "com.docker.swarm.task.name"}}`, id)
		for _, line := range strings.Split(s.docker(t, "logs", id), "\n") {
			b.WriteString(task + " | " + line + "\n")
		}
	}
	return b.String()
}

// tasksLogging are the registry tasks (by log prefix) whose log lines
// contain every one of subs.
func tasksLogging(logs string, subs ...string) []string {
	var tasks []string
	for _, line := range strings.Split(logs, "\n") {
		prefix, rest, ok := strings.Cut(line, "|")
		if !ok {
			continue
		}
		all := true
		for _, s := range subs {
			all = all && strings.Contains(rest, s)
		}
		if task := strings.TrimSpace(prefix); all && !slices.Contains(tasks, task) {
			tasks = append(tasks, task)
		}
	}
	return tasks
}
