package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/model"
)

// The secure profile's password cache (auth/authcache.lua, mod_lua): a
// successful check is remembered so bcrypt does not run on every request.
// The cache logs "authcache: hit" at debug level for each request it
// answers; the tests run Apache with "LogLevel warn lua:debug" added (httpd
// -c, the files stay as rendered) and count those lines.

// cacheDebug makes mod_lua's debug lines, and so the cache's hits, visible.
var cacheDebug = stacktest.Options{Directives: []string{"LogLevel warn lua:debug"}}

const hitLine = "authcache: hit"

func status(t *testing.T, c *http.Client, url, user, pass string) int {
	t.Helper()
	return request(t, c, "GET", url, user, pass).StatusCode
}

// hits counts the requests the cache has answered so far.
func hits(s *stacktest.Stack) int { return strings.Count(s.ApacheLog(), hitLine) }

// answeredFromCache sends one request and reports its status and whether
// the cache answered it (its access log line is written after the hit
// line, so waiting for the former makes the count final).
func answeredFromCache(t *testing.T, s *stacktest.Stack, c *http.Client, url, user, pass string) (int, bool) {
	t.Helper()
	before := hits(s)
	code := status(t, c, url, user, pass)
	s.WaitApacheLog(`"GET /v2/ HTTP/1.1" `+itoa(code), 2*time.Second)
	return code, hits(s) > before
}

// rewriteHTPasswd replaces the live password file with users, in place.
func rewriteHTPasswd(t *testing.T, path string, users []model.User) {
	t.Helper()
	data, err := generator.HTPasswdFile(users, 5, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestAuthCache: the secure profile answers a repeated login from its
// cache, never a wrong password or a login it has not seen pass, and a
// password file changed in place (same size, same second) is honoured on
// the next request; the recipe has no cache.
func TestAuthCache(t *testing.T) {
	profiles(t, portAuthCache, func(t *testing.T, spec string, secure bool) {
		opts := stacktest.Options{} // the recipe loads no mod_lua: no lua log level
		if secure {
			opts = cacheDebug
		}
		s := stacktest.Start(t, filepath.Dir(spec), opts)
		c := s.Client(t)
		url := "https://myregistrydomain.com:" + itoa(s.Port) + "/v2/"
		htpasswd := filepath.Join(filepath.Dir(spec), "auth", "httpd.htpasswd")
		// Each process has its own cache: a few logins fill the one that
		// answers; keep-alive is off, so the connections spread.
		for range 40 {
			if got := status(t, c, url, "testuser", "testpassword"); got != 200 {
				t.Fatalf("login: %d", got)
			}
		}
		hit := false
		for range 20 {
			if _, h := answeredFromCache(t, s, c, url, "testuser", "testpassword"); h {
				hit = true
				break
			}
		}
		if hit != secure {
			t.Fatalf("a repeated login answered from the cache: %v, want %v (only the secure profile remembers)", hit, secure)
		}
		if code, h := answeredFromCache(t, s, c, url, "testuser", "wrong"); code != 401 || h {
			t.Errorf("a wrong password: %d, from the cache %v; want 401, not from the cache", code, h)
		}
		if code, h := answeredFromCache(t, s, c, url, "testuserpush", "testpasswordpush"); code != 200 || h {
			t.Errorf("a first login: %d, from the cache %v; want 200, not from the cache", code, h)
		}
		if !secure {
			return
		}
		// The same length of hash, the same second, the same file: only
		// the line differs.
		rewriteHTPasswd(t, htpasswd, []model.User{{Name: "testuser", Password: "testpassworX"}, {Name: "testuserpush", Password: "testpasswordpush"}})
		for i := range 20 {
			if got := status(t, c, url, "testuser", "testpassword"); got != 401 {
				t.Fatalf("the old password after a change in place, request %d: %d, want 401 at once", i, got)
			}
		}
		if got := status(t, c, url, "testuser", "testpassworX"); got != 200 {
			t.Errorf("the new password: %d, want 200", got)
		}
		if code, h := answeredFromCache(t, s, c, url, "testuserpush", "testpasswordpush"); code != 200 {
			t.Errorf("an unchanged user after another's change: %d (from the cache: %v), want 200", code, h)
		}
		rewriteHTPasswd(t, htpasswd, []model.User{{Name: "testuserpush", Password: "testpasswordpush"}})
		for i := range 20 {
			if got := status(t, c, url, "testuser", "testpassworX"); got != 401 {
				t.Fatalf("a removed user, request %d: %d, want 401 at once", i, got)
			}
		}
	})
}

// TestAuthCacheExpires: an entry is forgotten after auth_cache seconds.
func TestAuthCacheExpires(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portAuthCacheTTL, AuthCache: 1})
	s := stacktest.Start(t, filepath.Dir(spec), cacheDebug)
	c := s.Client(t)
	url := "https://myregistrydomain.com:" + itoa(s.Port) + "/v2/"
	hit := false
	for range 40 {
		if _, h := answeredFromCache(t, s, c, url, "testuser", "testpassword"); h {
			hit = true
			break
		}
	}
	if !hit {
		t.Fatal("within the time limit a repeated login was never answered from the cache")
	}
	time.Sleep(2100 * time.Millisecond)
	// Every process's entry has expired: the next login is checked anew.
	if code, h := answeredFromCache(t, s, c, url, "testuser", "testpassword"); code != 200 || h {
		t.Errorf("after auth_cache: 1 second: %d, from the cache %v; want 200, checked anew", code, h)
	}
}

// portAuthCacheRevoke is TestAuthCacheRevocation's Apache port.
const portAuthCacheRevoke = 15165

// revokeSpec: alice and bob are never touched; carol is removed, dave's
// password changes, erin leaves the pusher group, one change at a time.
var revokeSpec = template.Must(template.New("spec").Parse(`profile: secure
domain: myregistrydomain.com
port: {{.Port}}
bcrypt_cost: 5
auth_cache: 600
tls:
  cert: domain.crt
  key: domain.key
users:
  - name: alice
    password: alice-password
  - name: bob
    password: bob-password
{{- if .Carol}}
  - name: carol
    password: carol-password
{{- end}}
  - name: dave
    password: {{.DavePassword}}
  - name: erin
    password: erin-password
groups:
  pusher: [alice, bob{{if .ErinPushes}}, erin{{end}}]
access:
  pull: authenticated
  push: [pusher]
`))

type revokeState struct {
	Port         int
	Carol        bool
	DavePassword string
	ErinPushes   bool
}

// outcome is one request of a load client.
type outcome struct {
	start, end time.Time
	code       int
	err        error
}

// loadClient is one identity sending one kind of request continuously.
type loadClient struct {
	name, user, pass string
	push             bool // DELETE of a manifest (a push method) instead of GET /v2/
	got              []outcome
}

// pushProbe is a request only pushers may make: the registry answers it
// (404, no such manifest) when Apache lets it through, Apache 403 when not.
const pushProbe = "/v2/revoke/probe/manifests/sha256:0000000000000000000000000000000000000000000000000000000000000000"

// run sends requests on one keep-alive connection (as docker does) until
// stop is closed.
func (lc *loadClient) run(s *stacktest.Stack, tr *http.Transport, stop <-chan struct{}) {
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	method, path := http.MethodGet, "/v2/"
	if lc.push {
		method, path = http.MethodDelete, pushProbe
	}
	url := "https://myregistrydomain.com:" + itoa(s.Port) + path
	for {
		select {
		case <-stop:
			return
		case <-time.After(15 * time.Millisecond):
		}
		o := outcome{start: time.Now()}
		req, err := http.NewRequest(method, url, nil)
		if err == nil {
			req.SetBasicAuth(lc.user, lc.pass)
			var resp *http.Response
			if resp, err = c.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				o.code = resp.StatusCode
			}
		}
		o.err, o.end = err, time.Now()
		lc.got = append(lc.got, o)
	}
}

// allowed reports whether Apache let a request through: a pull answered
// 200, a push probe answered by the registry.
func (lc *loadClient) allowed(o outcome) bool {
	if lc.push {
		return o.err == nil && o.code == http.StatusNotFound
	}
	return o.err == nil && o.code == http.StatusOK
}

// change is one spec edit applied with init while the load runs: init ran
// from start to end; a request that starts at end or later must get the
// answer of state.
type change struct {
	what       string
	state      revokeState
	start, end time.Time
}

// TestAuthCacheRevocation: under continuous requests from several
// identities with the password cache on (entries kept for 600 s), changes
// applied as people apply them (edit the spec, run init in the same
// folder) are in force for the first request that starts after init
// returns: a removed user is refused and never accepted again, an old
// password is refused and the new one accepted, a user removed from the
// push group is refused push; and the users nobody touched see no failed
// request at all. The bound is 0 s after init: the password and group
// files are read on every request and a cache entry holds only while the
// user's password line is unchanged.
func TestAuthCacheRevocation(t *testing.T) {
	stacktest.Require(t)
	dir := t.TempDir()
	st := revokeState{Port: portAuthCacheRevoke, Carol: true, DavePassword: "dave-password", ErinPushes: true}
	specFor := func(st revokeState) []byte {
		var b bytes.Buffer
		if err := revokeSpec.Execute(&b, st); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	initSpec(t, dir, specFor(st))
	s := stacktest.Start(t, dir, cacheDebug)

	clients := map[string]*loadClient{}
	for _, lc := range []*loadClient{
		{name: "alice", user: "alice", pass: "alice-password"},
		{name: "bob", user: "bob", pass: "bob-password"},
		{name: "bob push", user: "bob", pass: "bob-password", push: true},
		{name: "carol", user: "carol", pass: "carol-password"},
		{name: "dave old", user: "dave", pass: "dave-password"},
		{name: "dave new", user: "dave", pass: "dave-new-password"},
		{name: "erin", user: "erin", pass: "erin-password"},
		{name: "erin push", user: "erin", pass: "erin-password", push: true},
	} {
		clients[lc.name] = lc
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, lc := range clients {
		tr, err := s.Transport()
		if err != nil {
			t.Fatal(err)
		}
		tr.DisableKeepAlives = false
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer tr.CloseIdleConnections()
			lc.run(s, tr, stop)
		}()
	}
	hitsBefore := hits(s)

	var changes []change
	apply := func(what string, edit func(*revokeState)) {
		time.Sleep(1500 * time.Millisecond) // the caches are warm and in use
		edit(&st)
		c := change{what: what, state: st, start: time.Now()}
		initSpec(t, dir, specFor(st))
		c.end = time.Now()
		changes = append(changes, c)
	}
	apply("carol removed", func(st *revokeState) { st.Carol = false })
	apply("dave's password changed", func(st *revokeState) { st.DavePassword = "dave-new-password" })
	apply("erin removed from pusher", func(st *revokeState) { st.ErinPushes = false })
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()

	// want says whether a client's request must be let through in state st.
	want := func(name string, st revokeState) bool {
		switch name {
		case "carol":
			return st.Carol
		case "dave old":
			return st.DavePassword == "dave-password"
		case "dave new":
			return st.DavePassword == "dave-new-password"
		case "erin push":
			return st.ErinPushes
		}
		return true // alice, bob, bob push, erin's pulls: never touched
	}
	initial := revokeState{Carol: true, DavePassword: "dave-password", ErinPushes: true}
	for name, lc := range clients {
		if len(lc.got) < 50 {
			t.Errorf("%s: only %d requests in the run", name, len(lc.got))
		}
		bad := 0
		for _, o := range lc.got {
			st, known := initial, true
			for _, c := range changes {
				switch {
				case !o.start.Before(c.end):
					st = c.state // started after init returned: the change is in force
				case o.end.After(c.start):
					known = false // overlaps init: either answer is fine
				}
			}
			if o.err != nil || o.code >= 500 {
				bad++
				if bad <= 3 {
					t.Errorf("%s: request at %s failed: code %d, %v", name, o.start.Format("15:04:05.000"), o.code, o.err)
				}
				continue
			}
			if known && lc.allowed(o) != want(name, st) {
				bad++
				if bad <= 3 {
					t.Errorf("%s: request at %s got %d, want let through=%v (%s)", name, o.start.Format("15:04:05.000"), o.code, want(name, st), describeState(changes, o.start))
				}
			}
		}
		if bad > 3 {
			t.Errorf("%s: %d wrong answers in all, of %d requests", name, bad, len(lc.got))
		}
		// Never again accepted: once refused after a revoking change (even
		// by a request that overlapped init), never let through again.
		prev := initial
		for _, c := range changes {
			if want(name, prev) && !want(name, c.state) {
				refusedAt := time.Time{}
				for _, o := range lc.got {
					if o.start.Before(c.start) || o.err != nil {
						continue
					}
					if refusedAt.IsZero() && !lc.allowed(o) {
						refusedAt = o.start
					} else if !refusedAt.IsZero() && lc.allowed(o) {
						t.Errorf("%s: let through at %s, after being refused at %s (%s)", name, o.start.Format("15:04:05.000"), refusedAt.Format("15:04:05.000"), c.what)
						break
					}
				}
				if refusedAt.IsZero() {
					t.Errorf("%s: never refused after %s", name, c.what)
				}
			}
			prev = c.state
		}
	}
	// The premise: the cache answered most requests.
	allowed := 0
	for _, lc := range clients {
		for _, o := range lc.got {
			if lc.allowed(o) {
				allowed++
			}
		}
	}
	if h := hits(s) - hitsBefore; h < allowed/2 {
		t.Errorf("the cache answered %d of %d requests let through; the test needs it on", h, allowed)
	}
	t.Logf("%d requests let through, %d answered by the cache, changes: %s", allowed, hits(s)-hitsBefore, describeChanges(changes))
}

func describeState(changes []change, at time.Time) string {
	var done []string
	for _, c := range changes {
		if !at.Before(c.end) {
			done = append(done, c.what)
		}
	}
	if len(done) == 0 {
		return "before any change"
	}
	return "after " + strings.Join(done, ", ")
}

func describeChanges(changes []change) string {
	var s []string
	for _, c := range changes {
		s = append(s, fmt.Sprintf("%s (init %s)", c.what, c.end.Sub(c.start).Round(time.Millisecond)))
	}
	return strings.Join(s, "; ")
}
