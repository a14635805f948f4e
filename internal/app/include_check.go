package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/verify"
)

// ErrSectionOverridden is wrapped when the user's Apache answers /v2/
// with something else than the snippet's challenge: a section merged after
// registry-location.conf decides who may enter /v2.
var ErrSectionOverridden = errors.New("the registry's <Location /v2> is not in force")

// registryRealm is the snippet's AuthName (templates/v2auth.tmpl).
const registryRealm = `Basic realm="Registry Authentication"`

// checkInclude checks, before verify's own steps, that the snippet is
// where it must be in the user's Apache: in the vhost that terminates TLS
// for the domain, and in force for /v2.
func checkInclude(ctx context.Context, cfg verify.Config) error {
	if err := checkVhostTLS(ctx, cfg); err != nil {
		return err
	}
	return checkSection(ctx, cfg)
}

// checkSection asks the user's Apache for /v2/ without credentials: the
// snippet answers 401 with its own realm and the registry's version
// header. Any other answer means a later section (a <Location /> after
// the Include) wins, or the vhost that answers for the domain does not
// include the snippet; the error names what came back instead.
func checkSection(ctx context.Context, cfg verify.Config) error {
	host, addr, err := includeAddr(cfg)
	if err != nil {
		return fmt.Errorf("checking the /v2 section: %w", err)
	}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{ServerName: host, RootCAs: cfg.RootCAs, InsecureSkipVerify: cfg.Insecure, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+cfg.Host+"/v2/", nil)
	if err != nil {
		return fmt.Errorf("checking the /v2 section: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: GET https://%s/v2/: %w", ErrChecksFailed, cfg.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode == http.StatusUnauthorized && challenge == registryRealm && resp.Header.Get("Docker-Distribution-Api-Version") == "registry/2.0" {
		return nil
	}
	got := resp.Status
	if challenge != "" {
		got += " with WWW-Authenticate: " + challenge
	} else {
		got += " without a challenge"
	}
	if resp.Header.Get("Docker-Distribution-Api-Version") == "" {
		// no trace of the snippet (its Header applies even when a later
		// section decides who enters): the vhost that answers is not the one it is in
		return fmt.Errorf("%w: %w: GET https://%s/v2/ without credentials answered %s, want 401 with %s: the vhost Apache picks for %s (the one whose ServerName or ServerAlias is %s, else the port's first vhost) does not include %s",
			ErrChecksFailed, ErrSectionOverridden, cfg.Host, got, registryRealm, cfg.Host, host, generator.IncludeLocation)
	}
	return fmt.Errorf("%w: %w: GET https://%s/v2/ without credentials answered %s, want 401 with %s: a section merged after %s decides /v2 (a <Location> or <LocationMatch> after its Include, or in a later vhost file), or the vhost that answers for %s does not include it; Include it in that vhost, after every other section",
		ErrChecksFailed, ErrSectionOverridden, cfg.Host, got, registryRealm, generator.IncludeLocation, cfg.Host)
}
