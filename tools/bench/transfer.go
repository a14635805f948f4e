package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// jobs is how many blobs move at once, as go-containerregistry's default
// and close to docker's (5 uploads, 3 downloads).
const jobs = 4

// push writes img to path on t with go-containerregistry (blob HEAD,
// upload, manifest PUT; no retries) and returns the elapsed time.
func (e *env) push(ctx context.Context, t Target, path string, img v1.Image) (time.Duration, error) {
	return e.pushRetrying(ctx, t, path, img, nil)
}

// pushRetrying is push; with retries set, it retries what crane retries
// (a connection closed or reset under it: go-containerregistry's default
// backoff, 1 s then 3 s) and counts each retry in retries.
func (e *env) pushRetrying(ctx context.Context, t Target, path string, img v1.Image, retries *atomic.Int64) (time.Duration, error) {
	repo, err := t.repo(path)
	if err != nil {
		return 0, err
	}
	tr := e.transport(t, jobs+1)
	defer tr.CloseIdleConnections()
	opts := []remote.Option{remote.WithRetryBackoff(remote.Backoff{Steps: 1})}
	if retries != nil {
		opts = []remote.Option{
			remote.WithRetryBackoff(remote.Backoff{Duration: time.Second, Factor: 3, Jitter: 0.1, Steps: 3}),
			remote.WithRetryPredicate(func(err error) bool {
				if ctx.Err() != nil || !connectionLost(err) {
					return false
				}
				retries.Add(1)
				return true
			}),
		}
	}
	start := time.Now()
	err = remote.Write(repo.Tag("latest"), img, append(opts,
		remote.WithContext(ctx), remote.WithTransport(tr), remote.WithAuth(t.auth()),
		remote.WithJobs(jobs), remote.WithUserAgent("regsetup-bench"))...)
	if err != nil {
		return 0, fmt.Errorf("push %s to %s: %w", path, t.Name, err)
	}
	return time.Since(start), nil
}

// pull fetches path's manifest, config and every layer from t (jobs at a
// time), reading and counting the bytes but not re-hashing them (the
// client's SHA-256 would weigh the same on every variant and blur the
// ratios), and returns the elapsed time.
func (e *env) pull(ctx context.Context, t Target, path string) (time.Duration, error) {
	repo, err := t.repo(path)
	if err != nil {
		return 0, err
	}
	base := e.transport(t, jobs+1)
	defer base.CloseIdleConnections()
	start := time.Now()
	rt, err := transport.NewWithContext(ctx, repo.Registry, t.auth(), base, []string{repo.Scope(transport.PullScope)})
	if err != nil {
		return 0, fmt.Errorf("pull %s from %s: %w", path, t.Name, err)
	}
	client := &http.Client{Transport: rt}
	var m v1.Manifest
	if err := getJSON(ctx, client, t.baseURL()+"/v2/"+repo.RepositoryStr()+"/manifests/latest", &m); err != nil {
		return 0, fmt.Errorf("pull %s from %s: %w", path, t.Name, err)
	}
	blobs := append([]v1.Descriptor{m.Config}, m.Layers...)
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	errs := make(chan error, len(blobs))
	for _, d := range blobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs <- getBlob(ctx, client, t.baseURL()+"/v2/"+repo.RepositoryStr()+"/blobs/"+d.Digest.String(), d.Size)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return 0, fmt.Errorf("pull %s from %s: %w", path, t.Name, err)
		}
	}
	return time.Since(start), nil
}

// connectionLost reports whether err is a connection the server closed or
// reset under a request.
func connectionLost(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

func getJSON(ctx context.Context, c *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func getBlob(ctx context.Context, c *http.Client, url string, size int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	n, err := io.CopyBuffer(io.Discard, resp.Body, make([]byte, 256<<10))
	if err != nil {
		return fmt.Errorf("reading %s: %w", url, err)
	}
	if n != size {
		return fmt.Errorf("GET %s: %d bytes, want %d", url, n, size)
	}
	return nil
}
