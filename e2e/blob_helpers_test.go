package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// The push user, who may POST, PATCH and PUT.
const (
	pushUser = "testuserpush"
	pushPass = "testpasswordpush"
)

// blobClient sends the registry API's blob requests to one base URL
// (https://myregistrydomain.com:PORT through Apache, or http://127.0.0.N:5000
// directly), as one user.
type blobClient struct {
	c          *http.Client
	base       string
	user, pass string
	ctx        context.Context // bounds every request; nil for none
}

// do sends one request and fails the test unless the status is want; the
// caller closes the body.
func (b blobClient) do(t *testing.T, method, u string, body io.Reader, size int64, hdr http.Header, want int) *http.Response {
	t.Helper()
	ctx := b.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	for k, v := range hdr {
		req.Header[k] = v
	}
	if b.user != "" {
		req.SetBasicAuth(b.user, b.pass)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		t.Fatalf("%s %s: %s, want %d: %s", method, u, resp.Status, want, msg)
	}
	return resp
}

// location resolves a response's Location header against its request URL,
// as clients do; it fails the test when there is none.
func location(t *testing.T, resp *http.Response) *url.URL {
	t.Helper()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("%s %s: %s without a usable Location: %v", resp.Request.Method, resp.Request.URL, resp.Status, err)
	}
	return loc
}

// startUpload POSTs to repo's upload endpoint and returns the response
// (202, body closed) and its Location.
func (b blobClient) startUpload(t *testing.T, repo string) (*http.Response, *url.URL) {
	t.Helper()
	resp := b.do(t, "POST", b.base+"/v2/"+repo+"/blobs/uploads/", nil, 0, nil, http.StatusAccepted)
	resp.Body.Close()
	return resp, location(t, resp)
}

// withDigest adds ?digest=dig to an upload URL, keeping its state query.
func withDigest(u *url.URL, dig string) string {
	v := *u
	q := v.Query()
	q.Set("digest", dig)
	v.RawQuery = q.Encode()
	return v.String()
}

// pushBlob uploads data in one POST and PUT and returns its digest.
func (b blobClient) pushBlob(t *testing.T, repo string, data []byte) string {
	t.Helper()
	dig := sha256Digest(data)
	_, loc := b.startUpload(t, repo)
	hdr := http.Header{"Content-Type": {"application/octet-stream"}}
	resp := b.do(t, "PUT", withDigest(loc, dig), bytesReader(data), int64(len(data)), hdr, http.StatusCreated)
	resp.Body.Close()
	return dig
}

func sha256Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// bytesReader is http.NoBody for no data, so an empty PUT still sends
// Content-Length: 0.
func bytesReader(data []byte) io.Reader {
	if len(data) == 0 {
		return http.NoBody
	}
	return bytes.NewReader(data)
}
