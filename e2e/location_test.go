package e2e

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLocationStaysHTTPS: the Location headers of an upload through the
// secure proxy name https and the external host and port (the registry
// builds them from X-Forwarded-Proto and the preserved Host), so a client
// can follow them: POST, then PATCH a chunk, then PUT the digest.
func TestLocationStaysHTTPS(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portLocation})
	s := start(t, spec)
	c := s.Client(t)
	b := blobClient{c: c, base: "https://myregistrydomain.com:" + itoa(s.Port), user: pushUser, pass: pushPass}
	const repo = "location/test"
	data := []byte("a small layer, pushed in two chunks")
	dig := sha256Digest(data)
	octets := http.Header{"Content-Type": {"application/octet-stream"}}

	uploads := "/v2/" + repo + "/blobs/uploads/"
	post, loc := b.startUpload(t, repo)
	steps := []locStep{{"POST", post, uploads}}

	for i, chunk := range [][]byte{data[:10], data[10:]} {
		hdr := octets.Clone()
		hdr.Set("Content-Range", rangeOf(i*10, len(chunk)))
		resp := b.do(t, "PATCH", loc.String(), bytes.NewReader(chunk), int64(len(chunk)), hdr, http.StatusAccepted)
		resp.Body.Close()
		loc = location(t, resp)
		steps = append(steps, locStep{"PATCH " + itoa(i+1), resp, uploads})
	}
	put := b.do(t, "PUT", withDigest(loc, dig), nil, 0, nil, http.StatusCreated)
	put.Body.Close()
	steps = append(steps, locStep{"PUT", put, "/v2/" + repo + "/blobs/" + dig})

	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			raw := st.resp.Header.Get("Location")
			u := location(t, st.resp)
			if u.Scheme != "https" || u.Host != "myregistrydomain.com:"+itoa(s.Port) || !strings.HasPrefix(u.Path, st.path) {
				t.Errorf("Location %q resolves to %s, want https://myregistrydomain.com:%d%s...", raw, u, s.Port, st.path)
			}
			kind := "relative"
			if r, err := url.Parse(raw); err == nil && r.IsAbs() {
				kind = "absolute"
			}
			t.Logf("%s Location: %s://%s%s (query left out)", kind, u.Scheme, u.Host, u.Path)
		})
	}
	if d := put.Header.Get("Docker-Content-Digest"); d != dig {
		t.Errorf("PUT: Docker-Content-Digest %q, want %q", d, dig)
	}
	get := b.do(t, "GET", location(t, put).String(), nil, 0, nil, http.StatusOK)
	defer get.Body.Close()
	got, err := io.ReadAll(get.Body)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("GET of the uploaded blob: %q, %v; want %q", got, err, data)
	}
}

// locStep is one response of an upload whose Location is checked.
type locStep struct {
	name string
	resp *http.Response
	path string // the Location's path starts with this
}

// rangeOf is a Content-Range value for n bytes from off ("off-last").
func rangeOf(off, n int) string { return itoa(off) + "-" + itoa(off+n-1) }
