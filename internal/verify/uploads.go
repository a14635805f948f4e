package verify

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"sync"
)

// uploadTracker sits under every HTTP request verify sends (raw matrix
// requests and ggcr alike) and keeps the blob upload sessions the registry
// opened (202 with a Location) and nobody finished (PUT) or cancelled
// (DELETE), so that Run can cancel them: the registry keeps each one on
// disk (repositories/*/_uploads) until its purge runs, a week later by
// default. It also notes which blobs a finished upload created.
type uploadTracker struct {
	next http.RoundTripper

	mu       sync.Mutex
	open     map[string]openUpload // session path → how to cancel it
	uploaded map[string]bool       // blob digests whose upload finished
}

// openUpload is one session: its latest Location (with the registry's
// _state) and the Authorization of the request that opened it.
type openUpload struct {
	url  string
	auth string
}

// uploadPath matches /v2/<name>/blobs/uploads/ and /v2/<name>/blobs/uploads/<id>.
var uploadPath = regexp.MustCompile(`^/v2/.+/blobs/uploads/([^/]*)$`)

func newUploadTracker(next http.RoundTripper) *uploadTracker {
	return &uploadTracker{next: next, open: map[string]openUpload{}, uploaded: map[string]bool{}}
}

// RoundTrip sends req and notes what it did to upload sessions.
func (u *uploadTracker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := u.next.RoundTrip(req)
	if err == nil {
		u.observe(req, resp)
	}
	return resp, err
}

func (u *uploadTracker) observe(req *http.Request, resp *http.Response) {
	m := uploadPath.FindStringSubmatch(req.URL.Path)
	if m == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if m[1] != "" {
		switch {
		case resp.StatusCode == http.StatusNotFound,
			req.Method == http.MethodDelete && resp.StatusCode/100 == 2:
			delete(u.open, req.URL.Path)
		case req.Method == http.MethodPut && resp.StatusCode == http.StatusCreated:
			delete(u.open, req.URL.Path)
			u.uploaded[req.URL.Query().Get("digest")] = true
		}
	}
	if d := req.URL.Query().Get("digest"); req.Method == http.MethodPost && resp.StatusCode == http.StatusCreated && d != "" {
		u.uploaded[d] = true // a monolithic upload
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		return
	}
	next, err := req.URL.Parse(loc)
	if err != nil || !uploadPath.MatchString(next.Path) {
		return
	}
	u.open[next.Path] = openUpload{url: next.String(), auth: req.Header.Get("Authorization")}
}

// wasUploaded reports whether a finished upload created blob digest.
func (u *uploadTracker) wasUploaded(digest string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.uploaded[digest]
}

// blobs lists the blobs finished uploads created, sorted.
func (u *uploadTracker) blobs() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]string, 0, len(u.uploaded))
	for d := range u.uploaded {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// cancelAll cancels every open session, as the identity that opened it or
// else as fallback (the pusher), and returns how many were open, how many
// it cancelled and a warning per session it could not cancel. The sessions' URLs carry no secret, but
// only their paths appear in warnings.
func (u *uploadTracker) cancelAll(ctx context.Context, fallback Identity) (open, cancelled int, warnings []string) {
	u.mu.Lock()
	paths := make([]string, 0, len(u.open))
	for p := range u.open {
		paths = append(paths, p)
	}
	todo := make(map[string]openUpload, len(u.open))
	for p, o := range u.open {
		todo[p] = o
	}
	u.mu.Unlock()
	sort.Strings(paths)
	for _, p := range paths {
		status, err := u.cancel(ctx, todo[p], fallback)
		switch {
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("cleanup: upload session %s left open: %v", p, err))
		case status/100 == 2 || status == http.StatusNotFound:
			cancelled++
		default:
			warnings = append(warnings, fmt.Sprintf("cleanup: upload session %s left open: DELETE got %s", p, statusText(status)))
		}
	}
	return len(paths), cancelled, warnings
}

// cancel sends DELETE to the session as its opener, then as fallback if
// the proxy refused that.
func (u *uploadTracker) cancel(ctx context.Context, o openUpload, fallback Identity) (int, error) {
	status, err := u.sendDelete(ctx, o.url, func(r *http.Request) {
		if o.auth != "" {
			r.Header.Set("Authorization", o.auth)
		}
	})
	if err != nil || !denied(status) {
		return status, err
	}
	return u.sendDelete(ctx, o.url, func(r *http.Request) { r.SetBasicAuth(fallback.User, fallback.Password) })
}

func (u *uploadTracker) sendDelete(ctx context.Context, target string, auth func(*http.Request)) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, target, nil)
	if err != nil {
		return 0, fmt.Errorf("building the DELETE: %w", err)
	}
	auth(req)
	req.Header.Set("User-Agent", "regsetup-verify")
	resp, err := u.RoundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("sending DELETE: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
