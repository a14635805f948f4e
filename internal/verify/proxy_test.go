package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/regsetup/regsetup/internal/tlsdial"
)

// Test users, like the recipe: testuser may pull, testuserpush (group
// pusher) may push.
var (
	puller = Identity{User: "testuser", Password: "pull-Secret-7f3a9"}
	pusher = Identity{User: "testuserpush", Password: "push-Secret-c41d2"}
	other  = Identity{User: "auditor", Password: "audit-Secret-9e0b1"}
)

// specPolicy is what the spec says (and what a correct proxy does): any
// known user may GET and HEAD; members of pushers may send anything.
func specPolicy(pushers ...string) Policy {
	return PolicyFunc(func(user, method, _ string) bool {
		switch {
		case user == "":
			return false
		case method == http.MethodGet || method == http.MethodHead:
			return true
		default:
			return slices.Contains(pushers, user)
		}
	})
}

// fakeProxy simulates the Apache reverse proxy of the recipe in front of
// an in-process registry.
type fakeProxy struct {
	users     map[string]string // user → password
	pushers   []string          // members of group pusher
	limitHole bool              // recipe <Limit GET HEAD> + <Limit POST PUT DELETE PATCH> only
	echoCreds bool              // a broken proxy that echoes credentials in a 400 body on POST
	postHole  bool              // a broken proxy that lets anyone POST (but DELETE only pushers)
	backend   *ledger           // optional: sits between the proxy and the registry
	next      http.Handler

	mu      sync.Mutex
	methods map[string]bool // every method seen
}

func (p *fakeProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.methods[r.Method] = true
	p.mu.Unlock()
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	user, pass, _ := r.BasicAuth()
	if p.echoCreds && r.Method == http.MethodPost {
		http.Error(w, "bad request from "+user+":"+pass+" "+r.Header.Get("Authorization"), http.StatusBadRequest)
		return
	}
	if want, ok := p.users[user]; !ok || want != pass {
		user = ""
	}
	if !p.permit(user, r.Method) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Registry Authentication"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	p.next.ServeHTTP(w, r)
}

func (p *fakeProxy) permit(user, method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead:
		return user != ""
	case http.MethodPost:
		return p.postHole || slices.Contains(p.pushers, user)
	case http.MethodPut, http.MethodDelete, http.MethodPatch:
		return slices.Contains(p.pushers, user)
	default:
		return p.limitHole || slices.Contains(p.pushers, user)
	}
}

func (p *fakeProxy) saw(method string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.methods[method]
}

// testCA is a CA plus a server certificate it signed.
type testCA struct {
	pool *x509.CertPool
	leaf tls.Certificate
}

// newTestCA makes a CA and a certificate for names (and 127.0.0.1).
func newTestCA(t *testing.T, names ...string) testCA {
	t.Helper()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "regsetup test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatalf("creating the CA: %v", err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: names, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatalf("creating the server certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testCA{pool: pool, leaf: tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	return k
}

// testRegistry is a running fake proxy + registry.
type testRegistry struct {
	proxy *fakeProxy
	ca    testCA
	port  string
}

// startRegistry serves the registry behind p over TLS with a certificate
// for registry.test.
func startRegistry(t *testing.T, p *fakeProxy) *testRegistry {
	t.Helper()
	p.users = map[string]string{puller.User: puller.Password, pusher.User: pusher.Password, other.User: other.Password}
	p.methods = map[string]bool{}
	p.next = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if p.backend != nil {
		p.backend.next, p.backend.open, p.backend.blobs, p.next = p.next, map[string]bool{}, map[string]bool{}, p.backend
	}
	ca := newTestCA(t, "registry.test")
	srv := httptest.NewUnstartedServer(p)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return &testRegistry{proxy: p, ca: ca, port: port}
}

// config is a Config for this registry, reached as registry.test.
func (tr *testRegistry) config() Config {
	return Config{
		Host: "registry.test:" + tr.port, Dial: "127.0.0.1:" + tr.port, RootCAs: tr.ca.pool,
		Pusher: pusher, Puller: puller, Users: []Identity{other, puller},
		Policy: specPolicy(pusher.User), Repo: "regsetup-verify/smoke",
		Layers: 2, LayerSize: 512, Timeout: 5 * time.Second,
	}
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// stepStatuses is "name=status" for every step, for messages.
func stepStatuses(r *Report) string {
	var parts []string
	for _, s := range r.Steps {
		parts = append(parts, s.Name+"="+string(s.Status))
	}
	return strings.Join(parts, " ")
}

// newPlainServer serves plain HTTP and returns its address.
func newPlainServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s)
	if err != nil {
		t.Fatalf("parsing %q: %v", s, err)
	}
	return tag
}

// transport reaches the test registry as registry.test, trusting its CA.
func (tr *testRegistry) transport() *http.Transport {
	return &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: tr.ca.pool, ServerName: "registry.test"},
		DialContext:     tlsdial.Pinned(&net.Dialer{}, "127.0.0.1:"+tr.port),
	}
}
