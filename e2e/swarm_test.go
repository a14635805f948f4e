package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
