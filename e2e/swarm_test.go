package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/deploy"
)

// TestSwarm runs the swarm target end to end on a private one-node swarm:
// 2 Apache and 2 registry tasks on one shared ./data. The subtests share
// the stack and run in order.
func TestSwarm(t *testing.T) {
	s, res := startSwarmStack(t)

	t.Run("up waits for every task", func(t *testing.T) {
		// At once after up: every task runs and answers, no waiting here.
		for _, svc := range []string{"apache", "registry"} {
			if got := s.docker(t, "service", "ls", "--filter", "name="+s.o.Project+"_"+svc, "--format", "{{.Replicas}}"); got != "2/2" {
				t.Errorf("%s: %s replicas right after up, want 2/2", svc, got)
			}
		}
		if len(res.Endpoints) != 2 {
			t.Fatalf("up reports %d apache endpoints, want 2: %+v", len(res.Endpoints), res.Endpoints)
		}
		for _, ep := range res.Endpoints {
			p := &deploy.Probe{URL: fmt.Sprintf("https://myregistrydomain.com:%d/v2/", swarmPort), Dial: ep.Addr}
			p.Roots = pinned(s.dir(), ep.Addr).TLSClientConfig.RootCAs
			if err := p.Check(context.Background()); err != nil {
				t.Errorf("apache task on %s right after up: %v", ep.Addr, err)
			}
		}
		for _, r := range res.Services {
			if r.Action != deploy.Started {
				t.Errorf("%s: %s, want started", r.Service, r.Action)
			}
		}
	})

	t.Run("status", func(t *testing.T) {
		st, err := app.Status(context.Background(), s.o)
		if err != nil {
			t.Fatalf("status: %v", err)
		}
		for _, c := range st.Services {
			if c.State != "running" || c.Desired != 2 || c.Tasks != 2 {
				t.Errorf("%s: %s, %d of %d tasks; want running, 2 of 2", c.Service, c.State, c.Tasks, c.Desired)
			}
		}
		if !st.InForce || len(st.Endpoints) != 2 {
			t.Errorf("in force %v, %d endpoints; want in force, 2", st.InForce, len(st.Endpoints))
		}
	})

	t.Run("verify through each apache task", func(t *testing.T) {
		rep, err := app.Verify(context.Background(), app.VerifyOptions{Paths: s.o.Paths, Project: s.o.Project, Layers: 2, LayerSize: 64 << 10})
		if err != nil {
			t.Fatalf("verify: %v\n%s", err, reportText(rep))
		}
		for _, ep := range s.endpoints(t) {
			n := 0
			for _, st := range rep.Steps {
				if strings.HasSuffix(st.Name, " via "+ep.Addr) {
					n++
				}
			}
			if n != 8 {
				t.Errorf("%d steps went through %s, want all 8:\n%s", n, ep.Addr, reportText(rep))
			}
		}
	})

	t.Run("a chunked push spreads over the registry tasks", func(t *testing.T) {
		pushSpread(t, s)
	})

	t.Run("a user change rolls out start-first with no failed request", func(t *testing.T) {
		userChange(t, s)
	})

	t.Run("a killed apache task is replaced and loses no data", func(t *testing.T) {
		killApache(t, s)
	})

	t.Run("a registry update rolls out with no failed pull", func(t *testing.T) {
		registryRoll(t, s)
	})

	t.Run("up fails when an apache task does not answer", func(t *testing.T) {
		deadPort(t, s)
	})

	t.Run("down keeps the data", func(t *testing.T) {
		if err := app.Down(context.Background(), s.o, false); err != nil {
			t.Fatalf("down: %v", err)
		}
		if out := s.docker(t, "service", "ls", "-q"); out != "" {
			t.Errorf("services left after down: %s", out)
		}
		if out := s.docker(t, "config", "ls", "-q"); out != "" {
			t.Errorf("configs left after down: %s", out)
		}
		if _, err := os.Stat(filepath.Join(s.dir(), "data", "docker", "registry", "v2", "repositories")); err != nil {
			t.Errorf("down deleted the registry's data: %v", err)
		}
	})
}

// pushSpread uploads one blob in 12 PATCH chunks through one Apache task,
// over one kept-alive connection as docker push does, and shows from the registries' logs that the upload's requests reached
// both registry tasks (which works only with one http.secret and one
// storage), then reads the blob back.
func pushSpread(t *testing.T, s *swarmStack) {
	ep := s.endpoints(t)[0]
	tr := pinned(s.dir(), ep.Addr)
	tr.DisableKeepAlives = false // one connection to Apache, as docker push keeps
	b := blobClient{c: &http.Client{Transport: tr}, base: fmt.Sprintf("https://myregistrydomain.com:%d", swarmPort), user: pushUser, pass: pushPass}
	const repo, chunks, chunk = "spread/blob", 12, 256 << 10
	data := make([]byte, chunks*chunk)
	rand.Read(data)
	dig := sha256Digest(data)
	_, loc := b.startUpload(t, repo)
	uuid := path.Base(loc.Path)
	for i := range chunks {
		part := data[i*chunk : (i+1)*chunk]
		hdr := http.Header{"Content-Type": {"application/octet-stream"}, "Content-Range": {fmt.Sprintf("%d-%d", i*chunk, (i+1)*chunk-1)}}
		resp := b.do(t, "PATCH", loc.String(), bytes.NewReader(part), int64(len(part)), hdr, http.StatusAccepted)
		resp.Body.Close()
		loc = location(t, resp)
	}
	resp := b.do(t, "PUT", withDigest(loc, dig), http.NoBody, 0, nil, http.StatusCreated)
	resp.Body.Close()
	resp = b.do(t, "GET", b.base+"/v2/"+repo+"/blobs/"+dig, nil, 0, nil, http.StatusOK)
	var got bytes.Buffer
	got.ReadFrom(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("the blob read back differs (%d bytes, want %d)", got.Len(), len(data))
	}
	var tasks []string
	deadline := time.Now().Add(20 * time.Second)
	for len(tasks) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Second)
		tasks = tasksLogging(s.serviceLogs(t, "registry"), "PATCH /v2/"+repo+"/blobs/uploads/"+uuid)
	}
	if len(tasks) < 2 {
		t.Errorf("the upload's PATCH requests reached %d registry task(s) %v, want both: Apache keeps sending to one", len(tasks), tasks)
	}
	t.Logf("upload %s: PATCH requests logged by %v", uuid, tasks)
}

// userChange adds a user (init, then up) while two untouched users send
// requests through the balancer: Apache rolls one task at a time,
// start-first (never fewer than 2 running), no request fails, the
// registry is not touched, the new user works on every task, and the
// replaced password file's secret is removed.
func userChange(t *testing.T, s *swarmStack) {
	before := s.docker(t, "secret", "ls", "--format", "{{.Name}}")
	bal := newBalancer(t, s)
	loops := []*loop{{user: "testuser", pass: "testpassword"}, {user: pushUser, pass: pushPass}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range loops {
		l.c = &http.Client{Transport: bal.transport()}
		wg.Add(1)
		go l.run(stop, &wg)
	}
	time.Sleep(time.Second)
	writeFile(t, s.spec, swarmSpec("newuser"))
	if _, err := app.Init(app.InitOptions{Paths: s.o.Paths}); err != nil {
		t.Fatalf("init: %v", err)
	}
	if st, err := app.Status(context.Background(), s.o); !errors.Is(err, deploy.ErrStale) || !slices.Contains(st.Differs, generator.HTPasswd) {
		t.Errorf("status after init, before up: %v, differs %v; want stale, %s", err, st.Differs, generator.HTPasswd)
	}
	res, err := app.Up(context.Background(), s.o)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	bal.close()
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	for _, r := range res.Services {
		want := map[string]deploy.Action{"apache": deploy.Updated, "registry": deploy.Unchanged}[r.Service]
		if r.Action != want {
			t.Errorf("%s: %s (%s), want %s", r.Service, r.Action, r.Reason, want)
		}
		if r.Service == "apache" && !strings.Contains(r.Reason, generator.HTPasswd) {
			t.Errorf("apache updated because %q, want %s", r.Reason, generator.HTPasswd)
		}
	}
	for _, l := range loops {
		t.Logf("%s: %d requests answered 200 during the update", l.user, l.ok.Load())
		if l.ok.Load() == 0 || len(l.failures) > 0 {
			t.Errorf("%s: %d ok, %d failed requests during the update, want 0 failed: %v", l.user, l.ok.Load(), len(l.failures), l.failures)
		}
	}
	if n := bal.minTasks.Load(); n < 2 {
		t.Errorf("only %d apache task(s) ran at one point of the update: not start-first", n)
	}
	order := s.docker(t, "service", "inspect", "--format", "{{.Spec.UpdateConfig.Order}}", s.o.Project+"_apache")
	if order != "start-first" {
		t.Errorf("apache's update order is %q", order)
	}
	for _, ep := range s.endpoints(t) {
		nu := loop{user: "newuser", pass: "newuser-password", c: &http.Client{Transport: pinned(s.dir(), ep.Addr)}}
		if err := nu.once(); err != nil {
			t.Errorf("the new user through %s: %v", ep.Addr, err)
		}
	}
	after := s.docker(t, "secret", "ls", "--format", "{{.Name}}")
	for _, n := range strings.Fields(before) {
		if strings.HasPrefix(n, s.o.Project+"_httpd_htpasswd_") && strings.Contains(after, n) {
			t.Errorf("the replaced password file's secret %s is still there:\n%s", n, after)
		}
	}
}

// killApache pushes images, then kills one Apache task's container while
// a pull loop runs through the balancer: Swarm starts a new task, and
// every pushed image then pulls by digest, complete, through each task.
func killApache(t *testing.T, s *swarmStack) {
	bal := newBalancer(t, s)
	auth := remote.WithAuth(&authn.Basic{Username: pushUser, Password: pushPass})
	tr := remote.WithTransport(bal.transport())
	var refs []name.Digest
	for i := range 4 {
		img, err := random.Image(64<<10, 2)
		if err != nil {
			t.Fatal(err)
		}
		tag, err := name.NewTag(fmt.Sprintf("myregistrydomain.com:%d/kill/img:%d", swarmPort, i))
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(tag, img, auth, tr); err != nil {
			t.Fatalf("push %s: %v", tag, err)
		}
		d, _ := img.Digest()
		refs = append(refs, tag.Context().Digest(d.String()))
	}
	pull := func(ref name.Digest, opts ...remote.Option) error {
		img, err := remote.Image(ref, append(opts, auth)...)
		if err != nil {
			return err
		}
		return readAll(img)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var pulled, failed int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := pull(refs[i%len(refs)], tr)
			mu.Lock()
			if err != nil {
				failed++
			} else {
				pulled++
			}
			mu.Unlock()
		}
	}()
	old := s.endpoints(t)
	victim := old[0].Task
	ctr := s.docker(t, "inspect", "--type", "task", "--format", "{{.Status.ContainerStatus.ContainerID}}", victim)
	time.Sleep(time.Second)
	s.docker(t, "kill", ctr)
	t.Logf("killed apache task %.12s (container %.12s)", victim, ctr)
	deadline := time.Now().Add(2 * time.Minute)
	var now []deploy.Endpoint
	for {
		eps, err := deploy.SwarmEndpoints(context.Background(), deploy.Options{Dir: s.dir(), Project: s.o.Project})
		if err == nil && len(eps) == 2 && eps[0].Task != victim && eps[1].Task != victim {
			now = eps
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replacement for the killed apache task after 2m: %+v %v", eps, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("pull loop: %d pulls complete, %d failed around the kill; tasks now %+v", pulled, failed, now)
	if pulled == 0 {
		t.Errorf("no pull completed during the kill")
	}
	for _, ep := range now {
		for _, ref := range refs {
			if err := pull(ref, remote.WithTransport(pinned(s.dir(), ep.Addr))); err != nil {
				t.Errorf("pull %s through %s after the kill: %v", ref, ep.Addr, err)
			}
		}
	}
}

// readAll reads an image's config and every layer to the end: ggcr
// checks each blob against its digest as it is read.
func readAll(img v1.Image) error {
	if _, err := img.RawConfigFile(); err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deadPort deploys a second stack whose Apache tasks publish a port
// nothing listens on in them (the stack file edited by hand: 5044): the
// tasks run and are healthy (the healthcheck asks 5043 inside), so only
// a probe of each task's published port shows it, and up must fail.
func deadPort(t *testing.T, s *swarmStack) {
	spec := initSpec(t, t.TempDir(), swarmSpec())
	dir := filepath.Dir(spec)
	stack := filepath.Join(dir, generator.StackFile)
	data, err := os.ReadFile(stack)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(data, []byte("target: 5043\n"), []byte("target: 5044\n"), 1)
	if bytes.Equal(edited, data) {
		t.Fatalf("no apache port in %s", stack)
	}
	writeFile(t, stack, edited)
	o := deploy.Options{Dir: dir, Domain: "myregistrydomain.com", Port: 5044, ApacheImage: "httpd:2.4", RegistryImage: "registry:2",
		Project: "swarm-e2e-dead", Timeout: 40 * time.Second, Progress: func(p string) { t.Log(p) }}
	defer func() {
		if err := deploy.SwarmDown(context.Background(), o, false); err != nil {
			t.Errorf("down: %v", err)
		}
	}()
	_, err = deploy.SwarmUp(context.Background(), o)
	if !errors.Is(err, deploy.ErrUnhealthy) || !strings.Contains(err.Error(), "apache task") {
		t.Fatalf("up: %v; want a failure naming the apache task that does not answer", err)
	}
	if got := s.docker(t, "service", "ls", "--filter", "name=swarm-e2e-dead_apache", "--format", "{{.Replicas}}"); got != "2/2" {
		t.Errorf("the dead-port stack's apache runs %s; the test needs 2/2 (service status says all is well)", got)
	}
}

// registryRoll changes the registry's image (the same image under a new
// tag) while a pull-only user pulls a manifest through the balancer: the
// registry rolls start-first, Apache is untouched, no pull fails.
func registryRoll(t *testing.T, s *swarmStack) {
	s.docker(t, "tag", "registry:2", "registry:2-roll")
	bal := newBalancer(t, s)
	c := &http.Client{Transport: bal.transport()}
	b := blobClient{c: &http.Client{Transport: bal.transport()}, base: fmt.Sprintf("https://myregistrydomain.com:%d", swarmPort), user: pushUser, pass: pushPass}
	data := []byte("registry roll")
	dig := b.pushBlob(t, "roll/blob", data)
	l := &loop{user: "testuser", pass: "testpassword", c: c, path: "/v2/roll/blob/blobs/" + dig}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go l.run(stop, &wg)
	time.Sleep(time.Second)
	spec, err := os.ReadFile(s.spec)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, s.spec, append(spec, "registry: {image: \"registry:2-roll\"}\n"...))
	res, err := app.Up(context.Background(), s.o)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	bal.close()
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	for _, r := range res.Services {
		want := map[string]deploy.Action{"apache": deploy.Unchanged, "registry": deploy.Updated}[r.Service]
		if r.Action != want {
			t.Errorf("%s: %s (%s), want %s", r.Service, r.Action, r.Reason, want)
		}
	}
	t.Logf("%s: %d pulls of the blob answered 200 during the registry's update", l.user, l.ok.Load())
	if l.ok.Load() == 0 || len(l.failures) > 0 {
		t.Errorf("%d ok, %d failed pulls during the registry's update, want 0 failed: %v", l.ok.Load(), len(l.failures), l.failures)
	}
}
