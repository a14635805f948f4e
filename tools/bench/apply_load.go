package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// stallAfter is how long a load request may take before it counts as
// stalled (a GET /v2/ answers in milliseconds on loopback).
const stallAfter = time.Second

// loadStats counts the load clients' requests since the last take.
type loadStats struct {
	mu       sync.Mutex
	ok       int
	failed   int
	stalled  int
	maxLat   time.Duration
	firstErr string
}

type loadWindow struct {
	OK, Failed, Stalled int
	Max                 time.Duration
	FirstErr            string
}

func (s *loadStats) add(lat time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.failed++
		if s.firstErr == "" {
			s.firstErr = err.Error()
		}
	case lat > stallAfter:
		s.stalled++
	default:
		s.ok++
	}
	s.maxLat = max(s.maxLat, lat)
}

// take returns the counts since the previous take and resets them.
func (s *loadStats) take() loadWindow {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := loadWindow{OK: s.ok, Failed: s.failed, Stalled: s.stalled, Max: s.maxLat, FirstErr: s.firstErr}
	s.ok, s.failed, s.stalled, s.maxLat, s.firstErr = 0, 0, 0, 0, ""
	return w
}

// runLoad starts one keep-alive client per load user, each sending
// GET /v2/ with its own credentials every pause until ctx ends; any
// answer but 200 is a failure. The returned function waits for them.
func (e *env) runLoad(ctx context.Context, a *applyStack, pause time.Duration, st *loadStats) func() {
	var wg sync.WaitGroup
	for _, u := range a.load {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := e.transport(a.t, 2)
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 60 * time.Second}
			for ctx.Err() == nil {
				start := time.Now()
				code, err := getStatus(ctx, c, a.t, u, "/v2/")
				if ctx.Err() != nil {
					return
				}
				if err == nil && code != http.StatusOK {
					err = fmt.Errorf("GET /v2/ as %s: %d", u.user, code)
				}
				st.add(time.Since(start), err)
				select {
				case <-ctx.Done():
				case <-time.After(pause):
				}
			}
		}()
	}
	return wg.Wait
}

// getStatus sends one authenticated GET and returns its status code.
func getStatus(ctx context.Context, c *http.Client, t Target, u credential, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.baseURL()+path, nil)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(u.user, u.password)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// errNotInForce is a change the stack did not show within the wait.
var errNotInForce = errors.New("the change was not in force")

// waitInForce polls with fresh connections (as a new client would) until
// check reports the change in force, and returns how long that took from
// since.
func (e *env) waitInForce(ctx context.Context, a *applyStack, since time.Time, timeout time.Duration, check func(c *http.Client) bool) (time.Duration, error) {
	tr := e.transport(a.t, 1)
	tr.DisableKeepAlives = true
	c := &http.Client{Transport: tr, Timeout: timeout}
	for {
		if check(c) {
			return time.Since(since), nil
		}
		if time.Since(since) > timeout {
			return 0, fmt.Errorf("%w after %v", errNotInForce, timeout)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// progressReader counts the bytes read through it and, when min is set,
// reads no faster than size bytes in min (so that a transfer surely spans
// the change made while it is in flight).
type progressReader struct {
	r     io.Reader
	n     atomic.Int64
	size  int64
	min   time.Duration
	start time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	if p.min > 0 {
		due := p.start.Add(time.Duration(float64(p.min) * float64(p.n.Load()) / float64(p.size)))
		time.Sleep(time.Until(due))
	}
	n, err := p.r.Read(b)
	p.n.Add(int64(n))
	return n, err
}

// upload is a blob upload in flight: one monolithic PUT of a generated
// layer, which the registry checks against its digest.
type upload struct {
	body *progressReader
	size int64
	done chan struct{}
	err  error
	dur  time.Duration
}

// startUpload pushes one layer of size bytes to repository apply/big as
// the first load user, taking at least min.
func (e *env) startUpload(ctx context.Context, a *applyStack, size int64, min time.Duration) (*upload, error) {
	l, err := newGenLayer(uint64(time.Now().UnixNano()), size, randomBlock())
	if err != nil {
		return nil, err
	}
	u := a.load[0]
	tr := e.transport(a.t, 1)
	c := &http.Client{Transport: tr}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.t.baseURL()+"/v2/apply/big/blobs/uploads/", nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(u.user, u.password)
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("starting the upload: %w", err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		return nil, fmt.Errorf("starting the upload: %s", resp.Status)
	}
	up := &upload{body: &progressReader{r: l.reader(), size: size, min: min}, size: size, done: make(chan struct{})}
	sep := "?"
	if containsByte(loc, '?') {
		sep = "&"
	}
	put, err := http.NewRequestWithContext(ctx, http.MethodPut, resolveLocation(a.t, loc)+sep+"digest="+l.digest.String(), up.body)
	if err != nil {
		return nil, err
	}
	put.ContentLength = size
	put.Header.Set("Content-Type", "application/octet-stream")
	put.SetBasicAuth(u.user, u.password)
	go func() {
		defer close(up.done)
		defer tr.CloseIdleConnections()
		start := time.Now()
		resp, err := c.Do(put)
		up.dur = time.Since(start)
		if err != nil {
			up.err = fmt.Errorf("uploading %s: %w", sizeName(size), err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			up.err = fmt.Errorf("uploading %s: %s", sizeName(size), resp.Status)
		}
	}()
	return up, nil
}

// ended reports whether the upload has finished (or failed).
func (u *upload) ended() bool {
	select {
	case <-u.done:
		return true
	default:
		return false
	}
}

// waitSent waits until frac of the upload is sent (or it ended).
func (u *upload) waitSent(frac float64) {
	for float64(u.body.n.Load()) < frac*float64(u.size) {
		select {
		case <-u.done:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func resolveLocation(t Target, loc string) string {
	if len(loc) > 0 && loc[0] == '/' {
		return t.baseURL() + loc
	}
	return loc
}

func containsByte(s string, b byte) bool {
	for i := range len(s) {
		if s[i] == b {
			return true
		}
	}
	return false
}
