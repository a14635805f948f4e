package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// ledger stands between the fake proxy and the in-process registry and
// keeps what a real registry would: every request that reached it, and the
// blob upload sessions open (POST 202 opens one, PUT 201 or DELETE closes
// it; the in-process registry cannot cancel, so the ledger answers those
// DELETEs as distribution does). deleteOff answers manifest and blob
// DELETEs with 405 UNSUPPORTED like a registry without
// storage.delete.enabled; frozen answers manifest PUTs 201 and drops them,
// like a broken cache in front of the registry: the tag stays on the old
// image. A POST ?mount=D&from=R of a blob uploaded before is answered 201
// as distribution does (no session), unless noMount (a registry that
// ignores mount: the in-process one opens a session).
type ledger struct {
	next      http.Handler
	deleteOff bool
	frozen    bool
	noMount   bool

	mu    sync.Mutex
	reqs  []string        // "METHOD path?query"
	open  map[string]bool // open upload session paths
	blobs map[string]bool // digests of finished uploads
}

var sessionPath = regexp.MustCompile(`^/v2/.+/blobs/uploads/[^/]+$`)

func (l *ledger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r.Method+" "+r.URL.RequestURI())
	deleteOff, frozen, noMount := l.deleteOff, l.frozen, l.noMount
	mounted := l.blobs[r.URL.Query().Get("mount")]
	l.mu.Unlock()
	isDelete := r.Method == http.MethodDelete
	switch {
	case r.Method == http.MethodPost && mounted && !noMount:
		w.Header().Set("Docker-Content-Digest", r.URL.Query().Get("mount"))
		w.WriteHeader(http.StatusCreated)
		return
	case isDelete && sessionPath.MatchString(r.URL.Path):
		l.mu.Lock()
		ok := l.open[r.URL.Path]
		delete(l.open, r.URL.Path)
		l.mu.Unlock()
		if !ok {
			http.Error(w, `{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}`, http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	case isDelete && deleteOff && (strings.Contains(r.URL.Path, "/manifests/") || strings.Contains(r.URL.Path, "/blobs/sha256:")):
		http.Error(w, `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`, http.StatusMethodNotAllowed)
		return
	case frozen && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/"):
		body, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(body)
		w.Header().Set("Docker-Content-Digest", "sha256:"+hex.EncodeToString(sum[:]))
		w.WriteHeader(http.StatusCreated)
		return
	}
	l.next.ServeHTTP(&ledgerWriter{ResponseWriter: w, l: l, req: r}, r)
}

// ledgerWriter sees the registry's answer to note sessions.
type ledgerWriter struct {
	http.ResponseWriter
	l   *ledger
	req *http.Request
}

func (lw *ledgerWriter) WriteHeader(code int) {
	lw.l.mu.Lock()
	defer lw.l.mu.Unlock()
	r := lw.req
	switch {
	case r.Method == http.MethodPost && code == http.StatusAccepted:
		if u, err := url.Parse(lw.Header().Get("Location")); err == nil {
			lw.l.open[u.Path] = true
		}
	case r.Method == http.MethodPut && code == http.StatusCreated && sessionPath.MatchString(r.URL.Path):
		delete(lw.l.open, r.URL.Path)
		lw.l.blobs[r.URL.Query().Get("digest")] = true
	}
	lw.ResponseWriter.WriteHeader(code)
}

// openSessions lists the upload sessions still open.
func (l *ledger) openSessions() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for p := range l.open {
		out = append(out, p)
	}
	return out
}

// requests returns the requests seen so far and forgets them.
func (l *ledger) requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

func (l *ledger) set(deleteOff, frozen, noMount bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deleteOff, l.frozen, l.noMount = deleteOff, frozen, noMount
}
