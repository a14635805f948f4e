package verify

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/regsetup/regsetup/internal/tlsdial"
)

// tlsConfig is the client TLS configuration for every connection.
func (r *run) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         r.hostname,
		RootCAs:            r.c.RootCAs,
		InsecureSkipVerify: r.c.Insecure, //nolint:gosec // only when the user asks
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"http/1.1"}, // raw methods are sent as typed
	}
}

// dial connects to the registry, honouring Config.Dial.
func (r *run) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: r.c.Timeout}
	return d.DialContext(ctx, "tcp", r.dialAddr)
}

// newTransport returns the transport used by every HTTP request, raw or via
// ggcr: it trusts Config.RootCAs, dials Config.Dial, and ignores the
// environment's proxy settings since we want to reach this very host.
func (r *run) newTransport() *http.Transport {
	return &http.Transport{
		DialContext:           tlsdial.Pinned(&net.Dialer{Timeout: r.c.Timeout}, r.dialAddr),
		TLSClientConfig:       r.tlsConfig(),
		TLSHandshakeTimeout:   r.c.Timeout,
		ResponseHeaderTimeout: r.c.Timeout,
		MaxIdleConnsPerHost:   matrixWorkers,
	}
}

// rawResponse is what a raw request got back.
type rawResponse struct {
	status int
	header http.Header
}

// send sends method to path exactly as given (Go does not canonicalize the
// method: "get" and "FOOBAR" go out verbatim) as id, without a body, and
// retries once if the connection broke before any answer.
func (r *run) send(ctx context.Context, id Identity, method, path string) (rawResponse, error) {
	resp, err := r.sendOnce(ctx, id, method, path)
	if err != nil && ctx.Err() == nil {
		resp, err = r.sendOnce(ctx, id, method, path)
	}
	return resp, err
}

func (r *run) sendOnce(ctx context.Context, id Identity, method, path string) (rawResponse, error) {
	req, err := http.NewRequestWithContext(ctx, method, "https://"+r.c.Host+path, nil)
	if err != nil {
		return rawResponse{}, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if id.User != "" {
		req.SetBasicAuth(id.User, id.Password)
	}
	req.Header.Set("User-Agent", "regsetup-verify")
	resp, err := r.uploads.RoundTrip(req)
	if err != nil {
		return rawResponse{}, fmt.Errorf("sending %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return rawResponse{status: resp.StatusCode, header: resp.Header}, nil
}

// denied reports whether the proxy refused a request.
func denied(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

// statusText is e.g. "401 Unauthorized".
func statusText(code int) string {
	return strings.TrimSpace(fmt.Sprintf("%d %s", code, http.StatusText(code)))
}
