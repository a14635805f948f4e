package e2e

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The large images of the day-2 test: two layers of 128 MiB each.
const (
	day2Layers    = 2
	day2LayerSize = 128 << 20
	// day2SlowRate is each transfer stream's rate, in bytes per second,
	// until the changes are done: slow enough that no transfer can end
	// before them, whatever they take.
	day2SlowRate = 256 << 10
)

// day2Image is an image of random (seeded, uncompressed) layers, cheap to
// make and to hash.
func day2Image(seed byte) (v1.Image, error) {
	var layers []v1.Layer
	for i := range day2Layers {
		b := make([]byte, day2LayerSize)
		rand.NewChaCha8([32]byte{'d', 'a', 'y', '2', seed, byte(i)}).Read(b)
		layers = append(layers, static.NewLayer(b, types.DockerLayer))
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, fmt.Errorf("making the image: %w", err)
	}
	return img, nil
}

// gatedTransport slows every request and answer body to day2SlowRate
// until gate is closed, and counts requests and failures (an error or a
// 5xx answer): ggcr's own retries are off, so none can hide.
type gatedTransport struct {
	base http.RoundTripper
	gate <-chan struct{}

	mu       sync.Mutex
	requests int
	failures []string
}

func (g *gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = &slowBody{ReadCloser: req.Body, gate: g.gate}
	}
	resp, err := g.base.RoundTrip(req)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests++
	switch {
	case err != nil:
		g.failures = append(g.failures, fmt.Sprintf("%s %s: %v", req.Method, req.URL.Path, err))
	case resp.StatusCode >= 500:
		g.failures = append(g.failures, fmt.Sprintf("%s %s: %s", req.Method, req.URL.Path, resp.Status))
	}
	if err == nil {
		resp.Body = &slowBody{ReadCloser: resp.Body, gate: g.gate}
	}
	return resp, err
}

// counts returns the requests sent and the failures seen.
func (g *gatedTransport) counts() (int, []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.requests, append([]string{}, g.failures...)
}

// slowBody reads at day2SlowRate until gate is closed, then at full speed.
type slowBody struct {
	io.ReadCloser
	gate <-chan struct{}
}

func (s *slowBody) Read(p []byte) (int, error) {
	select {
	case <-s.gate:
		return s.ReadCloser.Read(p)
	default:
	}
	const chunk = 32 << 10
	if len(p) > chunk {
		p = p[:chunk]
	}
	n, err := s.ReadCloser.Read(p)
	time.Sleep(time.Duration(n) * time.Second / day2SlowRate)
	return n, err
}

// transfer is one push or pull: when it ran and how it ended.
type transfer struct {
	what       string
	start, end time.Time
	err        error
}
