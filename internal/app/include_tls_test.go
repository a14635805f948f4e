package app

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/verify"
)

// TestCheckInclude: the checks verify makes before its steps against your
// own Apache, on real TCP and TLS servers: a plain-HTTP answer, a
// certificate for another name (with and without --insecure), an untrusted
// one, a /v2/ answer decided by a later section, and one without any trace
// of the snippet each fail with their own reason; the snippet's answer over
// a trusted certificate passes.
func TestCheckInclude(t *testing.T) {
	snippet := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", registryRealm)
		w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
		w.WriteHeader(http.StatusUnauthorized)
	})
	tlsSnippet := httptest.NewTLSServer(snippet) // certificate: example.com, 127.0.0.1
	defer tlsSnippet.Close()
	plain := httptest.NewServer(snippet)
	defer plain.Close()
	portal := httptest.NewTLSServer(http.NotFoundHandler())
	defer portal.Close()
	later := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Intranet Portal"`) // a later <Location /> decides
		w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")   // the snippet's Header still applies
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer later.Close()
	laterCA := x509.NewCertPool()
	laterCA.AddCert(later.Certificate())
	trusted := x509.NewCertPool()
	trusted.AddCert(tlsSnippet.Certificate())
	portalCA := x509.NewCertPool()
	portalCA.AddCert(portal.Certificate())

	for _, tc := range []struct {
		name     string
		host     string // the spec's domain
		srv      *httptest.Server
		roots    *x509.CertPool
		insecure bool
		want     error
		says     string
	}{
		{"in-force", "example.com", tlsSnippet, trusted, false, nil, ""},
		{"plain-http", "example.com", plain, trusted, false, ErrVhostTLS, "answers without TLS (its first bytes: \"HTTP/\")"},
		{"other-name", "registry.example.net", tlsSnippet, trusted, false, ErrVhostTLS, "names example.com, *.example.com, 127.0.0.1, ::1, not registry.example.net"},
		{"other-name-insecure", "registry.example.net", tlsSnippet, nil, true, ErrVhostTLS, "not registry.example.net"},
		{"untrusted", "example.com", tlsSnippet, x509.NewCertPool(), false, ErrVhostTLS, "is not trusted (give its CA with --ca)"},
		{"untrusted-insecure", "example.com", tlsSnippet, x509.NewCertPool(), true, nil, ""},
		{"overridden", "example.com", later, laterCA, false, ErrSectionOverridden, `answered 401 Unauthorized with WWW-Authenticate: Basic realm="Intranet Portal", want 401 with Basic realm="Registry Authentication": a section merged after`},
		{"not-included", "example.com", portal, portalCA, false, ErrSectionOverridden, "answered 404 Not Found without a challenge, want 401 with Basic realm=\"Registry Authentication\": the vhost Apache picks for example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			port := u.Port()
			cfg := verify.Config{Host: tc.host + ":" + port, Dial: "127.0.0.1", RootCAs: tc.roots, Insecure: tc.insecure}
			err = checkInclude(context.Background(), cfg)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want the snippet found, got %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrChecksFailed) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("want %v saying %q, got %v", tc.want, tc.says, err)
			}
		})
	}
}
