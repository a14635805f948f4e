package deploy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/regsetup/regsetup/internal/tlsdial"
)

// Probe asks the proxy whether it is ready: GET https://Domain/v2/ must
// answer 401 with a Basic challenge (Apache runs, and asks for a login).
type Probe struct {
	URL    string // https://DOMAIN:PORT/v2/
	Dial   string // ADDR:PORT to connect to instead of the URL's host
	Roots  *x509.CertPool
	client *http.Client
}

// Check returns nil when the proxy is ready, or what it answered instead.
func (p *Probe) Check(ctx context.Context) error {
	if p.client == nil {
		dialer := &net.Dialer{Timeout: 2 * time.Second}
		p.client = &http.Client{
			Timeout: 5 * time.Second,
			Transport: &http.Transport{
				TLSClientConfig:   &tls.Config{RootCAs: p.Roots},
				DialContext:       tlsdial.Pinned(dialer, p.Dial),
				DisableKeepAlives: true,
			},
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		return fmt.Errorf("%s answered %s, want 401 with a Basic challenge", p.URL, resp.Status)
	}
	return nil
}

// Wait polls Check until it passes, alive reports a failure, or timeout.
func (p *Probe) Wait(ctx context.Context, timeout time.Duration, alive func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last error
	for i := 0; ; i++ {
		if last = p.Check(ctx); last == nil {
			return nil
		}
		if alive != nil && i%4 == 3 {
			if err := alive(ctx); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: not ready after %v: %w", ErrUnhealthy, timeout, last)
		case <-tick.C:
		}
	}
}
