package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/stacktest"
)

// Ports of the apache.serve_blobs tests.
const (
	portServeBlobs       = 15090
	portServeBlobsBroken = 15091 // to 15093
)

// blobRead is one blob read, sent to the registry directly and through
// Apache as user; fromStorage says Apache must answer it from the
// registry's storage (the registry never sees it), else it must reach the
// registry.
type blobRead struct {
	name, method, repo, digest, query string
	hdr                               http.Header
	fromStorage                       bool
	path                              string // the request path as sent, instead of the one repo and digest make
	// directPath is the path whose direct answer Apache's must equal, for
	// paths Apache normalizes (merged slashes, dot segments) before either
	// answering or proxying; "" is the path itself.
	directPath string
}

// blobReads are the reads the fast path takes and the ones it must leave
// to the registry: ranges, conditional requests, a blob in the storage but
// not linked into the repository, unknown and malformed digests.
func blobReads(linked, empty, elsewhere string) []blobRead {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	unknown := "sha256:" + strings.Repeat("ab", 32)
	return []blobRead{
		{name: "get", method: "GET", repo: "team-a/app", digest: linked, fromStorage: true},
		{name: "head", method: "HEAD", repo: "team-a/app", digest: linked, fromStorage: true},
		{name: "get with a query", method: "GET", repo: "team-a/app", digest: linked, query: "?ns=docker.io", fromStorage: true},
		{name: "get empty", method: "GET", repo: "team-a/app", digest: empty, fromStorage: true},
		{name: "range", method: "GET", repo: "team-a/app", digest: linked, hdr: h("Range", "bytes=100-199")},
		{name: "open range", method: "GET", repo: "team-a/app", digest: linked, hdr: h("Range", "bytes=1000-")},
		{name: "unsatisfiable range", method: "GET", repo: "team-a/app", digest: linked, hdr: h("Range", "bytes=99999999-")},
		{name: "if-none-match hit", method: "GET", repo: "team-a/app", digest: linked, hdr: h("If-None-Match", `"`+linked+`"`)},
		{name: "if-none-match miss", method: "GET", repo: "team-a/app", digest: linked, hdr: h("If-None-Match", `"sha256:0"`)},
		{name: "if-range", method: "GET", repo: "team-a/app", digest: linked, hdr: h("Range", "bytes=0-9", "If-Range", `"`+linked+`"`)},
		{name: "if-modified-since", method: "GET", repo: "team-a/app", digest: linked, hdr: h("If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT")},
		{name: "if-unmodified-since", method: "GET", repo: "team-a/app", digest: linked, hdr: h("If-Unmodified-Since", "Mon, 01 Jan 2024 00:00:00 GMT")},
		{name: "if-match hit", method: "GET", repo: "team-a/app", digest: linked, hdr: h("If-Match", `"`+linked+`"`)},
		{name: "if-match miss", method: "GET", repo: "team-a/app", digest: linked, hdr: h("If-Match", `"sha256:0"`)},
		{name: "head with a range", method: "HEAD", repo: "team-a/app", digest: linked, hdr: h("Range", "bytes=0-9")},
		{name: "encoded colon", method: "GET", path: "/v2/team-a/app/blobs/" + strings.Replace(linked, ":", "%3A", 1), fromStorage: true},
		{name: "trailing slash", method: "GET", path: "/v2/team-a/app/blobs/" + linked + "/"},
		{name: "double slash", method: "GET", path: "/v2/team-a//app/blobs/" + linked, directPath: "/v2/team-a/app/blobs/" + linked, fromStorage: true},
		{name: "dot segment", method: "GET", path: "/v2/team-a/./app/blobs/" + linked, directPath: "/v2/team-a/app/blobs/" + linked, fromStorage: true},
		{name: "dot segment elsewhere", method: "GET", path: "/v2/team-a/app/../other/blobs/" + elsewhere, directPath: "/v2/team-a/other/blobs/" + elsewhere},
		{name: "in the storage, not linked here", method: "GET", repo: "team-a/other", digest: elsewhere},
		{name: "head not linked here", method: "HEAD", repo: "team-a/other", digest: elsewhere},
		{name: "unknown", method: "GET", repo: "team-a/app", digest: unknown},
		{name: "upper-case digest", method: "GET", repo: "team-a/app", digest: strings.ToUpper(linked)},
		{name: "sha512", method: "GET", repo: "team-a/app", digest: "sha512:" + strings.Repeat("ab", 64)},
	}
}

// hopHeaders differ between any two servers, or are added by Apache to
// every answer (proxied or not).
var hopHeaders = []string{"Date", "Server", "Connection", "Keep-Alive"}

// compareBlobReads sends each read directly and through Apache and returns
// every difference in status, headers and body, and every read answered by
// the wrong server: the registry's access log names each request's
// User-Agent, and each read through Apache has its own.
func compareBlobReads(t *testing.T, s *stacktest.Stack, reads []blobRead, user, pass string) []string {
	t.Helper()
	tr, err := s.Transport()
	if err != nil {
		t.Fatal(err)
	}
	base := "https://myregistrydomain.com:" + itoa(s.Port)
	// Redirects are answers too: neither client follows them.
	last := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	proxy := &http.Client{Transport: tr, Timeout: 20 * time.Second, CheckRedirect: last}
	direct := &http.Client{Timeout: 20 * time.Second, CheckRedirect: last}
	var problems []string
	for i, r := range reads {
		path := "/v2/" + r.repo + "/blobs/" + r.digest + r.query
		if r.path != "" {
			path = r.path
		}
		directPath := path
		if r.directPath != "" {
			directPath = r.directPath
		}
		want := readBlob(t, direct, r.method, "http://"+s.RegistryAddr+directPath, r.hdr, "", "")
		agent := fmt.Sprintf("regsetup-e2e-blobread/%d", i)
		hdr := r.hdr.Clone()
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("User-Agent", agent)
		got := readBlob(t, proxy, r.method, base+path, hdr, user, pass)
		if d := readDiff(want, got); d != "" {
			problems = append(problems, fmt.Sprintf("%s: %s", r.name, d))
		}
		reached := registryLogged(s, agent, !r.fromStorage)
		switch {
		case r.fromStorage && reached:
			problems = append(problems, r.name+": the registry answered it, want Apache from the storage")
		case !r.fromStorage && !reached:
			problems = append(problems, r.name+": Apache answered it, want the registry")
		}
	}
	return problems
}

// registryLogged reports whether the registry's access log has a request
// from agent ("... \"agent\"" ends its line): it waits up to 5 s for the
// line when one is expected, and 300 ms otherwise, for a late one.
func registryLogged(s *stacktest.Stack, agent string, expect bool) bool {
	wait := 300 * time.Millisecond
	if expect {
		wait = 5 * time.Second
	}
	for end := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(s.RegistryLog(), `"`+agent+`"`) {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// blobAnswer is what a client saw.
type blobAnswer struct {
	status  int
	header  http.Header
	body    []byte
	readErr string
}

// readBlob does one request and reads the whole answer.
func readBlob(t *testing.T, c *http.Client, method, u string, hdr http.Header, user, pass string) blobAnswer {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	// A body shorter than its Content-Length is part of the answer:
	// registry 2.8 sends its 416 with the blob's length.
	body, err := io.ReadAll(resp.Body)
	readErr := ""
	if err != nil {
		readErr = err.Error()
	}
	h := resp.Header.Clone()
	for _, k := range hopHeaders {
		h.Del(k)
	}
	return blobAnswer{status: resp.StatusCode, header: h, body: body, readErr: readErr}
}

// readDiff describes how got differs from want, or is "".
func readDiff(want, got blobAnswer) string {
	var d []string
	if want.status != got.status {
		d = append(d, fmt.Sprintf("status %d, want %d", got.status, want.status))
	}
	keys := map[string]bool{}
	for k := range want.header {
		keys[k] = true
	}
	for k := range got.header {
		keys[k] = true
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		if w, g := want.header.Values(k), got.header.Values(k); !slices.Equal(w, g) {
			d = append(d, fmt.Sprintf("%s %q, want %q", k, g, w))
		}
	}
	if want.readErr != got.readErr {
		d = append(d, fmt.Sprintf("reading the body: %q, want %q", got.readErr, want.readErr))
	}
	if !bytes.Equal(want.body, got.body) {
		d = append(d, fmt.Sprintf("body of %d bytes differs from the registry's %d", len(got.body), len(want.body)))
	}
	return strings.Join(d, "; ")
}

// pushBlobs pushes a 300 KiB blob into team-a/app and nobody/app (which no
// rule names), the empty blob into team-a/app, and another blob into
// library/base only; it returns their digests.
func pushBlobs(t *testing.T, s *stacktest.Stack) (linked, empty, elsewhere string) {
	t.Helper()
	direct := blobClient{c: http.DefaultClient, base: "http://" + s.RegistryAddr}
	data := make([]byte, 300<<10)
	rand.Read(data)
	other := make([]byte, 4096)
	rand.Read(other)
	direct.pushBlob(t, "nobody/app", data)
	return direct.pushBlob(t, "team-a/app", data), direct.pushBlob(t, "team-a/app", nil), direct.pushBlob(t, "library/base", other)
}

// TestServeBlobs: with apache.serve_blobs (the default), Apache answers
// plain blob reads from the registry's storage with the registry's own
// status, headers and bytes, leaves every other read to the registry with
// the same answers, and the access rules hold for both: who may not read
// the repository gets 401 or 403 and no byte of the blob.
func TestServeBlobs(t *testing.T) {
	spec := renderTestdata(t, "rules", portServeBlobs)
	s := start(t, spec)
	linked, empty, elsewhere := pushBlobs(t, s)
	if p := compareBlobReads(t, s, blobReads(linked, empty, elsewhere), "alice", "alice-password"); len(p) > 0 {
		t.Errorf("blob reads through Apache differ from the registry's:\n%s", strings.Join(p, "\n"))
	}

	tr, err := s.Transport()
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	base := "https://myregistrydomain.com:" + itoa(s.Port)
	for _, tc := range []struct {
		name, method, user, pass, repo, digest string
		want                                   int
	}{
		{"another team", "GET", "bob", "bob-password", "team-a/app", linked, http.StatusForbidden},
		{"another team head", "HEAD", "bob", "bob-password", "team-a/app", linked, http.StatusForbidden},
		{"no credentials", "GET", "", "", "team-a/app", linked, http.StatusUnauthorized},
		{"wrong password", "GET", "alice", "wrong", "team-a/app", linked, http.StatusUnauthorized},
		{"a repository no rule names", "GET", "alice", "alice-password", "nobody/app", linked, http.StatusForbidden},
		{"readable by every user", "GET", "bob", "bob-password", "library/base", elsewhere, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readBlob(t, c, tc.method, base+"/v2/"+tc.repo+"/blobs/"+tc.digest, nil, tc.user, tc.pass)
			if got.status != tc.want {
				t.Errorf("%s as %q: %d, want %d", tc.method, tc.user, got.status, tc.want)
			}
			if tc.want != http.StatusOK && (got.header.Get("Docker-Content-Digest") != "" || len(got.body) > 1024) {
				t.Errorf("a refused read carries the blob: %v, %d bytes", got.header, len(got.body))
			}
		})
	}
}

// TestServeBlobsComparisonCatches: the comparison above fails on a config
// whose fast path leaves out the registry's ETag, on one that serves blobs
// the registry has not linked into the repository, and on a stack that
// proxies every read (apache.serve_blobs: false).
func TestServeBlobsComparisonCatches(t *testing.T) {
	for i, tc := range []struct {
		name   string
		edit   func(conf string) string
		spec   string
		wantIn []string
	}{
		{name: "no etag", edit: func(c string) string { return dropLine(t, c, "Header set ETag") },
			wantIn: []string{`get: Etag ["`, `head: Etag ["`}},
		{name: "link not checked", edit: func(c string) string { return dropLine(t, c, "_layers/sha256/$2/link -f") },
			wantIn: []string{"in the storage, not linked here: status 200, want 404", "in the storage, not linked here: Apache answered it"}},
		{name: "proxied", spec: "apache: {serve_blobs: false}\n",
			wantIn: []string{"get: the registry answered it, want Apache", "head: the registry answered it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", "rules.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			spec := initSpec(t, t.TempDir(), append(data, []byte(tc.spec+"port: "+itoa(portServeBlobsBroken+i)+"\n")...))
			if tc.edit != nil {
				conf := filepath.Join(filepath.Dir(spec), "auth", "httpd.conf")
				b, err := os.ReadFile(conf)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, conf, []byte(tc.edit(string(b))))
			}
			s := start(t, spec)
			linked, empty, elsewhere := pushBlobs(t, s)
			got := strings.Join(compareBlobReads(t, s, blobReads(linked, empty, elsewhere), "alice", "alice-password"), "\n")
			for _, w := range tc.wantIn {
				if !strings.Contains(got, w) {
					t.Errorf("the comparison missed %q; it said:\n%s", w, got)
				}
			}
		})
	}
}

// dropLine removes the one line of conf that contains substr.
func dropLine(t *testing.T, conf, substr string) string {
	t.Helper()
	lines := strings.Split(conf, "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, substr) })
	if i < 0 {
		t.Fatalf("no line with %q in the rendered httpd.conf", substr)
	}
	return strings.Join(slices.Delete(lines, i, i+1), "\n")
}
