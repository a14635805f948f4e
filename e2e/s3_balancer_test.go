package e2e

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// balancer is a test tool, not product code: an HTTP reverse proxy that
// stands where the registry stands behind Apache and sends each request to
// the next replica in turn (strict round robin over requests, not
// connections: Apache reuses its backend connection), or every request to
// one replica when pinned.
type balancer struct {
	proxies []*httputil.ReverseProxy

	mu     sync.Mutex
	next   int
	pinned int // -1: round robin
	sent   []int
}

// startBalancer serves on l (stacktest.BackendListener) in front of the
// replicas' addresses until the test ends.
func startBalancer(t *testing.T, l net.Listener, replicas ...string) *balancer {
	t.Helper()
	b := &balancer{pinned: -1, sent: make([]int, len(replicas))}
	for _, addr := range replicas {
		target := &url.URL{Scheme: "http", Host: addr}
		b.proxies = append(b.proxies, &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.Out.Host = r.In.Host // the registry builds Location from it
				// Rewrite drops the X-Forwarded-* headers Apache set; keep them.
				for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
					if v := r.In.Header.Values(h); len(v) > 0 {
						r.Out.Header[h] = v
					}
				}
			},
			FlushInterval: -1,
		})
	}
	srv := &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }() // ends with http.ErrServerClosed
	t.Cleanup(func() { srv.Close() })
	return b
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	i := b.pinned
	if i < 0 {
		i = b.next
		b.next = (b.next + 1) % len(b.proxies)
	}
	b.sent[i]++
	b.mu.Unlock()
	b.proxies[i].ServeHTTP(w, r)
}

// pin sends every later request to replica i; -1 goes back to round robin
// (starting with replica 0).
func (b *balancer) pin(i int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pinned, b.next = i, 0
}

// counts returns how many requests each replica got so far.
func (b *balancer) counts() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sent...)
}
