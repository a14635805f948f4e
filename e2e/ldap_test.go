package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// Ports of the directory tests' Apache.
const (
	portLDAPAD       = 15170
	portLDAPOpenLDAP = 15171
	portLDAPDown     = 15172
	portLDAPHung     = 15173 // and 15183
	portLDAPRules    = 15174
	portLDAPStale    = 15175 // and 15185
	portLDAPOnly     = 15176
)

// ldapSpec is a secure spec with a local robot and a directory; the
// directory block is the test's.
func ldapSpec(port int, ldap string) string {
	return fmt.Sprintf(`domain: myregistrydomain.com
port: %d
tls: {cert: domain.crt, key: domain.key}
users:
  - {name: ci-robot, password: robot-pass}
groups:
  robots: [ci-robot]
auth:
  backend: ldap
  ldap:
%s
`, port, ldap)
}

// adBlock is auth.ldap for the AD-shaped tree with the private CA; tls
// is ldaps, starttls or none.
func adBlock(port int, tls string) string {
	extra := "ca: ldap-ca.pem"
	if tls == "none" {
		extra = "allow_plaintext: true"
	}
	return fmt.Sprintf(`    directory: active-directory
    servers: [127.0.0.1]
    port: %d
    tls: %s
    %s
    base_dn: %s
    bind_dn: CN=svc-registry,OU=Service Accounts,DC=corp,DC=example
    bind_password_file: svc.password
    require_group: registry-users
    groups:
      registry-users: CN=registry-users,OU=Groups,DC=corp,DC=example
      pushers: CN=registry-push,OU=Groups,DC=corp,DC=example
      emea: 'CN=Pushers\, EMEA,OU=Groups,DC=corp,DC=example'
access:
  pull: authenticated
  push: [pushers, emea, robots]`, port, tls, extra, adUsers)
}

// initLDAP renders spec with the directory's CA and the service
// account's password next to it.
func initLDAP(t *testing.T, d *stacktest.Directory, spec string) string {
	t.Helper()
	t.Setenv("LDAPTIMEOUT", "4") // docker-compose.yml gives Apache the same (generator.LDAPEnv)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ldap-ca.pem"), d.CAPEM)
	writeFile(t, filepath.Join(dir, "svc.password"), []byte("svc-secret\n"))
	return initSpec(t, dir, []byte(spec))
}

// try is one request and what it must get.
type try struct {
	name, user, pass, method, path string
	want                           int
}

func (tc try) run(t *testing.T, c *http.Client, base string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(tc.method, base+tc.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(tc.user, tc.pass)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", tc.method, tc.path, tc.user, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}

// checkMatrix runs every try, and checks that refusals carry the
// registry's JSON error body (what docker prints).
func checkMatrix(t *testing.T, s *stacktest.Stack, tries []try) {
	t.Helper()
	c := s.Client(t)
	base := fmt.Sprintf("https://myregistrydomain.com:%d", s.Port)
	for _, tc := range tries {
		t.Run(tc.name, func(t *testing.T) {
			got, body := tc.run(t, c, base)
			if got != tc.want {
				t.Fatalf("%s %s as %q: %d, want %d: %s", tc.method, tc.path, tc.user, got, tc.want, body)
			}
			if got == http.StatusForbidden || got == http.StatusUnauthorized {
				checkErrorBody(t, body, map[int]string{401: "UNAUTHORIZED", 403: "DENIED"}[got])
			}
		})
	}
}

func checkErrorBody(t *testing.T, body, code string) {
	t.Helper()
	var e struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || len(e.Errors) != 1 || e.Errors[0].Code != code {
		t.Errorf("body is not a registry error with code %s: %q (%v)", code, body, err)
	}
}

// pushPull pushes a blob as user and reads it back, and returns its path.
func pushPull(t *testing.T, s *stacktest.Stack, user, pass, repo string) string {
	t.Helper()
	b := blobClient{c: s.Client(t), base: fmt.Sprintf("https://myregistrydomain.com:%d", s.Port), user: user, pass: pass}
	data := []byte("layer of " + user)
	dig := b.pushBlob(t, repo, data)
	resp := b.do(t, "GET", b.base+"/v2/"+repo+"/blobs/"+dig, nil, 0, nil, http.StatusOK)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != string(data) {
		t.Errorf("pulled %q, pushed %q", got, data)
	}
	return "/v2/" + repo + "/blobs/" + dig
}

// TestLDAPActiveDirectory: an AD-shaped directory over LDAPS with a
// private CA, nested groups, a disabled account, an escaped comma in a
// user's and a group's DN, and a local robot next to directory users.
func TestLDAPActiveDirectory(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t)
	spec := initLDAP(t, d, ldapSpec(portLDAPAD, adBlock(d.TLSPort, "ldaps")))
	s := start(t, spec)
	blob := pushPull(t, s, "alice", "alice-pass", "team/alice")
	for _, who := range []struct{ user, pass, why string }{
		{"carol", "carol-pass", "member of team-a, inside pushers"},
		{"dave", "dave-pass", `DN CN=Smith\, Dave, in CN=Pushers\, EMEA`},
		{"ci-robot", "robot-pass", "local account in the local group robots"},
	} {
		t.Run("push/"+who.user, func(t *testing.T) {
			pushPull(t, s, who.user, who.pass, "team/"+who.user)
		})
	}
	tags := blob
	checkMatrix(t, s, []try{
		{"bob-pulls", "bob", "bob-pass", "GET", tags, 200},
		{"bob-may-not-push", "bob", "bob-pass", "POST", "/v2/team/bob/blobs/uploads/", 403},
		{"frank-not-in-registry-users", "frank", "frank-pass", "GET", tags, 403},
		{"erin-disabled", "erin", "erin-pass", "GET", tags, 401},
		{"alice-wrong-password", "alice", "not-alice-pass", "GET", tags, 401},
		{"robot-wrong-password", "ci-robot", "alice-pass", "GET", tags, 401},
		{"nobody", "mallory", "x", "GET", tags, 401},
		{"filter-injection", "al*", "alice-pass", "GET", tags, 401},
		{"upper-case-login", "ALICE", "alice-pass", "GET", tags, 200},
	})
	if !s.WaitApacheLog("alice", 2*time.Second) {
		t.Error("no access log line for alice")
	}
}

// TestLDAPOpenLDAP: an OpenLDAP-shaped directory over StartTLS.
func TestLDAPOpenLDAP(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t)
	block := fmt.Sprintf(`    directory: openldap
    servers: [127.0.0.1]
    tls: starttls
    port: %d
    ca: ldap-ca.pem
    base_dn: ou=people,dc=example,dc=org
    bind_dn: uid=svc-registry,ou=people,dc=example,dc=org
    bind_password_file: svc.password
    require_group: readers
    groups:
      readers: cn=readers,ou=groups,dc=example,dc=org
      pushers: cn=pushers,ou=groups,dc=example,dc=org
access:
  pull: authenticated
  push: [pushers, robots]`, d.Port)
	spec := initLDAP(t, d, ldapSpec(portLDAPOpenLDAP, block))
	s := start(t, spec)
	blob := pushPull(t, s, "olivia", "olivia-pass", "ol/olivia")
	pushPull(t, s, "quinn", "quinn-pass", "ol/quinn")
	checkMatrix(t, s, []try{
		{"paul-pulls", "paul", "paul-pass", "GET", blob, 200},
		{"paul-may-not-push", "paul", "paul-pass", "POST", "/v2/ol/paul/blobs/uploads/", 403},
		{"rita-in-no-group", "rita", "rita-pass", "GET", blob, 403},
		{"olivia-wrong-password", "olivia", "x", "GET", blob, 401},
	})
	if !strings.Contains(d.Log(), "STARTTLS") {
		t.Error("slapd saw no STARTTLS: the directory was asked in clear")
	}
}

// outage checks that a directory that does not answer costs each request
// less than 10 s, answered with a 500 whose JSON body says so, and that
// the reason is in Apache's log.
func outage(t *testing.T, s *stacktest.Stack, logWant string) {
	t.Helper()
	c := s.Client(t)
	c.Timeout = 30 * time.Second
	base := fmt.Sprintf("https://myregistrydomain.com:%d", s.Port)
	for _, user := range []string{"bob", "frank"} {
		start := time.Now()
		got, body := try{user: user, pass: user + "-pass", method: "GET", path: "/v2/"}.run(t, c, base)
		took := time.Since(start)
		t.Logf("%s: %d after %v", user, got, took.Round(10*time.Millisecond))
		if got != 500 || took > 10*time.Second {
			t.Errorf("%s: %d after %v, want 500 within 10 s: %s", user, got, took, body)
		}
		checkErrorBody(t, body, "UNAVAILABLE")
	}
	if !strings.Contains(s.ApacheLog(), logWant) {
		t.Errorf("apache's log does not say %q:\n%s", logWant, s.ApacheTail(20))
	}
	pushPull(t, s, "ci-robot", "robot-pass", "robot/during-outage") // local accounts keep working
}

// TestLDAPDirectoryDown: the directory stops; new sign-ins get a 500 with
// a JSON body within 10 s, and the local robot still pushes.
func TestLDAPDirectoryDown(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t)
	spec := initLDAP(t, d, ldapSpec(portLDAPDown, adBlock(d.Port, "starttls")))
	s := start(t, spec)
	blob := pushPull(t, s, "alice", "alice-pass", "down/alice")
	pushPull(t, s, "alice", "alice-pass", "down/alice2")
	// mod_ldap's cache (shared by Apache's processes): six requests, one bind.
	if n := strings.Count(d.Log(), `BIND dn="cn=Alice Example,ou=Corp Users,dc=corp,dc=example" method=128`); n != 1 {
		t.Errorf("alice's 6 requests cost %d binds at the directory, want 1 (the cache)", n)
	}
	d.Stop()
	outage(t, s, "Can't contact LDAP server")
	// alice signed in a moment ago: mod_ldap's cache (auth_cache, 60 s)
	// keeps her working through the outage, and only with her password.
	checkMatrix(t, s, []try{
		{"alice-cached", "alice", "alice-pass", "GET", blob, 200},
	})
	c := s.Client(t)
	if got, _ := (try{user: "alice", pass: "wrong", method: "GET", path: blob}).run(t, c, fmt.Sprintf("https://myregistrydomain.com:%d", s.Port)); got == 200 {
		t.Error("a wrong password for a cached user was let in during the outage")
	}
}

// TestLDAPDirectoryHung: the directory accepts connections and never
// answers.
func TestLDAPDirectoryHung(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t) // only for its CA
	// Not ldaps: libldap does not time out its TLS handshake (see
	// auth.ldap.tls); init warns about it.
	for i, mode := range []string{"starttls", "none"} {
		t.Run(mode, func(t *testing.T) {
			spec := initLDAP(t, d, ldapSpec(portLDAPHung+10*i, adBlock(stacktest.HungListener(t), mode)))
			s := start(t, spec)
			outage(t, s, "AH01695")
		})
	}
}

// TestLDAPRules: per-repository rules naming directory groups. The rule
// sections carry only Require lines and inherit every AuthLDAP* directive
// from <Location /v2> (one AuthLDAP* line there would reset the others).
func TestLDAPRules(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t)
	block := strings.SplitN(adBlock(d.TLSPort, "ldaps"), "access:", 2)[0] + `access:
  rules:
    - {repos: "team/*", pull: [registry-users], push: [pushers, robots]}
    - {repos: "emea/*", pull: [emea], push: [emea]}`
	spec := initLDAP(t, d, ldapSpec(portLDAPRules, block))
	s := start(t, spec)
	pushPull(t, s, "carol", "carol-pass", "team/app")
	pushPull(t, s, "ci-robot", "robot-pass", "team/robot")
	blob := pushPull(t, s, "dave", "dave-pass", "emea/app")
	checkMatrix(t, s, []try{
		{"dave-not-in-team", "dave", "dave-pass", "POST", "/v2/team/x/blobs/uploads/", 403},
		{"alice-not-in-emea", "alice", "alice-pass", "GET", blob, 403},
		{"bob-reads-team-only", "bob", "bob-pass", "POST", "/v2/team/x/blobs/uploads/", 403},
		{"erin-disabled", "erin", "erin-pass", "GET", blob, 401},
		{"api-root", "frank", "frank-pass", "GET", "/v2/", 200},
	})
}

// TestLDAPStalePassword counts the binds the directory sees for repeated
// requests with a stale password. mod_ldap never caches a failure, so
// without the lockout guard (auth_cache: 0 turns authcache.lua off) each
// request costs a failed bind; with it, at most one per Apache process
// (8) in 30 s, and the right password still gets in at once.
func TestLDAPStalePassword(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t)
	const n = 20
	for i, tc := range []struct {
		name      string
		authCache string
		maxBinds  int
	}{
		{"without-guard", "auth_cache: 0\n", n},
		{"with-guard", "", 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := initLDAP(t, d, tc.authCache+ldapSpec(portLDAPStale+10*i, adBlock(d.Port, "starttls")))
			s := start(t, spec)
			c := s.Client(t)
			base := fmt.Sprintf("https://myregistrydomain.com:%d", s.Port)
			before := d.FailedBinds()
			for range n {
				got, body := (try{user: "alice", pass: "old-pass", method: "GET", path: "/v2/"}).run(t, c, base)
				if got != 401 {
					t.Fatalf("stale password: %d, want 401", got)
				}
				checkErrorBody(t, body, "UNAUTHORIZED")
			}
			atLeast := 1 // with the guard: the first request in some process
			if tc.maxBinds == n {
				atLeast = n // without: every request
			}
			binds := d.FailedBindsSince(before, atLeast)
			t.Logf("%d requests with a stale password: %d failed binds at the directory", n, binds)
			if binds > tc.maxBinds || (tc.maxBinds == n && binds != n) {
				t.Errorf("%d failed binds for %d requests, want %d at most (and exactly %d without the guard)", binds, n, tc.maxBinds, n)
			}
			if tc.maxBinds < n { // one connection, as docker keeps one: one process, one bind
				tr, err := s.Transport()
				if err != nil {
					t.Fatal(err)
				}
				tr.DisableKeepAlives = false
				kc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
				before := d.FailedBinds()
				for range n {
					if got, _ := (try{user: "alice", pass: "older-pass", method: "GET", path: "/v2/"}).run(t, kc, base); got != 401 {
						t.Fatalf("stale password: %d, want 401", got)
					}
				}
				if binds := d.FailedBindsSince(before, 1); binds != 1 {
					t.Errorf("%d requests on one connection: %d failed binds, want 1", n, binds)
				}
			}
			checkMatrix(t, s, []try{{"right-password", "alice", "alice-pass", "GET", "/v2/", 200}})
		})
	}
}

// TestLDAPDirectoryOnly: no local accounts (AuthBasicProvider ldap) and
// no cache (auth_cache: 0, every request asks the directory).
func TestLDAPDirectoryOnly(t *testing.T) {
	stacktest.Require(t)
	d := startDirectory(t)
	spec := fmt.Sprintf(`domain: myregistrydomain.com
port: %d
tls: {cert: domain.crt, key: domain.key}
auth_cache: 0
auth:
  backend: ldap
  ldap:
    directory: openldap
    servers: [127.0.0.1]
    port: %d
    ca: ldap-ca.pem
    base_dn: ou=people,dc=example,dc=org
    bind_dn: uid=svc-registry,ou=people,dc=example,dc=org
    bind_password_file: svc.password
    nested_groups: 0
    groups:
      pushers: cn=pushers,ou=groups,dc=example,dc=org
access:
  pull: authenticated
  push: [pushers]
`, portLDAPOnly, d.Port)
	s := start(t, initLDAP(t, d, spec))
	blob := pushPull(t, s, "olivia", "olivia-pass", "only/olivia")
	checkMatrix(t, s, []try{
		{"rita-reads", "rita", "rita-pass", "GET", blob, 200}, // authenticated without require_group: the whole directory
		{"rita-may-not-push", "rita", "rita-pass", "POST", "/v2/only/rita/blobs/uploads/", 403},
		{"quinn-nested-not-followed", "quinn", "quinn-pass", "POST", "/v2/only/quinn/blobs/uploads/", 403},
	})
	// no cache: each of pushPull's 3 requests binds as olivia
	if n := strings.Count(d.Log(), `BIND dn="uid=olivia,ou=people,dc=example,dc=org" method=128`); n != 3 {
		t.Errorf("olivia's 3 requests cost %d binds, want 3 (auth_cache: 0)", n)
	}
}
