package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	"github.com/regsetup/regsetup/internal/deploy"
)

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
