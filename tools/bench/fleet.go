package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// fleetResult is one fleet run: every client's time, the wall time from
// the first start to the last end, the bytes moved and the servers' peak
// memory meanwhile.
type fleetResult struct {
	wall    time.Duration
	slowest time.Duration
	bytes   int64
	idle    int64 // bytes of PSS of the front's tree just before the clients start
	peak    int64 // bytes of PSS, peak of the front's tree (the TLS server: proxy, or registry)
	peakAll int64 // bytes of PSS, peak of all the variant's server processes (front + registry)
	retries int64 // requests retried after the server closed or reset their connection
}

// values are the fleet's samples under the metric IDs agg, slowest, mem
// and, when not "", memAll and idle (the front's memory before the start).
func (f fleetResult) values(agg, slowest, mem, memAll, idle string) map[string]float64 {
	v := map[string]float64{
		agg:     float64(f.bytes) / (1 << 20) / f.wall.Seconds(),
		slowest: f.slowest.Seconds(),
		mem:     float64(f.peak) / (1 << 20),
	}
	if memAll != "" {
		v[memAll] = float64(f.peakAll) / (1 << 20)
	}
	if idle != "" {
		v[idle] = float64(f.idle) / (1 << 20)
	}
	return v
}

// fleetPull has o.FleetClients clients, each with its own connections
// (jobs blobs at a time, as pull), fetch path from t at once.
func (e *env) fleetPull(ctx context.Context, t Target, r running, path string, size int64) (fleetResult, error) {
	n := e.opts.FleetClients
	return e.fleet(ctx, r, int64(n)*size, n, func(ctx context.Context, _ int) (time.Duration, error) {
		return e.pull(ctx, t, path)
	})
}

// fleetPush has one client per image push its own image (to its own
// repository) to t, all at once, retrying as crane does when a connection
// is lost (counted: under load an event MPM closes idle keep-alive
// connections, and a POST cannot be resent by Go's transport).
func (e *env) fleetPush(ctx context.Context, t Target, r running, rep int, imgs []v1.Image, size int64) (fleetResult, error) {
	var retries atomic.Int64
	f, err := e.fleet(ctx, r, int64(len(imgs))*size, len(imgs), func(ctx context.Context, i int) (time.Duration, error) {
		return e.pushRetrying(ctx, t, fmt.Sprintf("bench/fleet-push-%d-%d", rep, i), imgs[i], &retries)
	})
	f.retries = retries.Load()
	return f, err
}

// fleet runs n clients at once while sampling r's memory.
func (e *env) fleet(ctx context.Context, r running, total int64, n int, client func(context.Context, int) (time.Duration, error)) (fleetResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	front := sampleMemory(func() []int { return r.pids()[:1] })
	all := sampleMemory(r.pids)
	idle := front.Peak()
	times := make([]time.Duration, n)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error // the first failure; the others are often its cancellation
	)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if times[i], err = client(ctx, i); err != nil {
				once.Do(func() { first = fmt.Errorf("fleet client %d of %d: %w", i+1, n, err) })
				cancel()
			}
		}()
	}
	wg.Wait()
	res := fleetResult{wall: time.Since(start), bytes: total, idle: idle, peak: front.Stop(), peakAll: all.Stop()}
	if first != nil {
		return res, first
	}
	for _, t := range times {
		res.slowest = max(res.slowest, t)
	}
	return res, nil
}

// fleetImages are the images of fleet push repetition rep: one per client,
// of o.FleetPushSize bytes in 2 layers, sharing no blob with any other.
func fleetImages(o Options, rep int, block []byte) ([]v1.Image, error) {
	imgs := make([]v1.Image, o.FleetClients)
	for i := range imgs {
		img, _, err := genImage(uint64(100000+rep*1000+i*10), split(o.FleetPushSize, 2), block)
		if err != nil {
			return nil, err
		}
		imgs[i] = img
	}
	return imgs, nil
}
