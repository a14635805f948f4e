package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// do sends one request and drains the response; anything but want fails.
func do(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s, want %d", req.Method, req.URL.Path, resp.Status, want)
	}
	return nil
}

// latency sends n sequential authenticated requests (method path) on one
// keep-alive connection, after 10 unmeasured ones, and returns the median
// in seconds.
func (e *env) latency(ctx context.Context, t Target, method, path string, n int) (float64, error) {
	tr := e.transport(t, 1)
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	times := make([]float64, 0, n)
	for i := range n + 10 {
		req, err := t.request(ctx, method, path)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		if err := do(c, req, http.StatusOK); err != nil {
			return 0, fmt.Errorf("%s: %w", t.Name, err)
		}
		if i >= 10 {
			times = append(times, time.Since(start).Seconds())
		}
	}
	return median(times), nil
}

// throughput runs clients keep-alive clients sending GET /v2/ in a loop
// for d and returns completed requests per second.
func (e *env) throughput(ctx context.Context, t Target, clients int, d time.Duration) (float64, error) {
	tr := e.transport(t, clients)
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	// Open the connections first: the handshakes are not what is measured.
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for i := range clients {
		wg.Go(func() {
			req, err := t.request(ctx, http.MethodGet, "/v2/")
			if err == nil {
				err = do(c, req, http.StatusOK)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	var count atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	for i := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, err := t.request(context.Background(), http.MethodGet, "/v2/")
				if err == nil {
					err = do(c, req, http.StatusOK)
				}
				if err != nil {
					if errs[i] == nil {
						errs[i] = err
					}
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	for _, err := range errs {
		if err != nil {
			return 0, fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return float64(count.Load()) / elapsed, nil
}

// median of xs (which it sorts); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
