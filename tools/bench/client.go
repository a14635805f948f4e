package bench

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// transport is an HTTP/1.1 keep-alive transport that dials t.Addr whatever
// the URL's host (SNI and Host stay ServerName:port), trusts the run's
// certificates only, ignores proxies and keeps up to conns connections.
// With Options.HTTP2 it offers h2 as well, and uses it with servers that
// accept it (one connection, many streams).
func (e *env) transport(t Target, conns int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, t.Addr)
		},
		TLSClientConfig:     &tls.Config{RootCAs: e.roots, ServerName: ServerName},
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1 everywhere, as Apache and nginx here
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
		IdleConnTimeout:     30 * time.Second,
	}
	if e.opts.HTTP2 {
		tr.TLSNextProto, tr.ForceAttemptHTTP2 = nil, true
	}
	return tr
}

// auth is the target's go-containerregistry authenticator.
func (t Target) auth() authn.Authenticator {
	if t.User == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: t.User, Password: t.Password}
}

// repo is repository path on the target's registry.
func (t Target) repo(path string) (name.Repository, error) {
	return name.NewRepository(t.Host + "/" + path)
}

// baseURL is the target's scheme://host.
func (t Target) baseURL() string {
	if t.TLS {
		return "https://" + t.Host
	}
	return "http://" + t.Host
}

// request builds a request with the target's basic credentials.
func (t Target) request(ctx context.Context, method, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.baseURL()+path, nil)
	if err != nil {
		return nil, err
	}
	if t.User != "" {
		req.SetBasicAuth(t.User, t.Password)
	}
	req.Header.Set("User-Agent", "regsetup-bench")
	return req, nil
}
