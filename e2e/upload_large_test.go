package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

const (
	largeLayer    = 1 << 30   // bytes
	largeChunk    = 128 << 20 // bytes per PATCH
	largeDeadline = 2 * time.Minute
	// largeFreeDisk: the layer, plus room for the registry's upload state.
	largeFreeDisk = 3 << 30
)

// TestUploadLargeLayer: a 1 GiB layer, streamed from a deterministic
// generator in 128 MiB PATCH chunks and finished with PUT ?digest=, goes
// through the secure proxy within two minutes, and the registry reports
// the digest the client computed.
func TestUploadLargeLayer(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portUpload})
	needFreeDisk(t, filepath.Dir(spec), largeFreeDisk)
	s := start(t, spec)
	tr, err := s.Transport()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), largeDeadline)
	defer cancel()
	c := &http.Client{Transport: tr}
	b := blobClient{c: c, base: "https://myregistrydomain.com:" + itoa(s.Port), user: pushUser, pass: pushPass, ctx: ctx}
	const repo = "upload/large"

	start := time.Now()
	src := io.LimitReader(rand.NewChaCha8([32]byte{'r', 'e', 'g', 's', 'e', 't', 'u', 'p'}), largeLayer)
	h := sha256.New()
	src = io.TeeReader(src, h)
	_, loc := b.startUpload(t, repo)
	octets := http.Header{"Content-Type": {"application/octet-stream"}}
	for off := 0; off < largeLayer; off += largeChunk {
		hdr := octets.Clone()
		hdr.Set("Content-Range", rangeOf(off, largeChunk))
		resp := b.do(t, "PATCH", loc.String(), io.LimitReader(src, largeChunk), largeChunk, hdr, http.StatusAccepted)
		resp.Body.Close()
		if want := "0-" + itoa(off+largeChunk-1); resp.Header.Get("Range") != want {
			t.Fatalf("PATCH at %d: Range %q, want %q", off, resp.Header.Get("Range"), want)
		}
		loc = location(t, resp)
	}
	dig := "sha256:" + hex.EncodeToString(h.Sum(nil))
	put := b.do(t, "PUT", withDigest(loc, dig), nil, 0, nil, http.StatusCreated)
	put.Body.Close()
	elapsed := time.Since(start)

	if d := put.Header.Get("Docker-Content-Digest"); d != dig {
		t.Errorf("PUT: the registry reports %q, the client computed %q", d, dig)
	}
	head := b.do(t, "HEAD", b.base+"/v2/"+repo+"/blobs/"+dig, nil, 0, nil, http.StatusOK)
	head.Body.Close()
	if head.ContentLength != largeLayer || head.Header.Get("Docker-Content-Digest") != dig {
		t.Errorf("HEAD: Content-Length %d and digest %q, want %d and %q", head.ContentLength, head.Header.Get("Docker-Content-Digest"), largeLayer, dig)
	}
	t.Logf("1 GiB through the secure proxy in %v (%.0f MiB/s), %s", elapsed.Round(time.Millisecond),
		float64(largeLayer>>20)/elapsed.Seconds(), dig)
}

// needFreeDisk fails (CI) or skips the test unless dir's file system has
// n bytes free.
func needFreeDisk(t *testing.T, dir string, n uint64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatalf("statfs %s: %v", dir, err)
	}
	if free := st.Bavail * uint64(st.Bsize); free < n {
		testenv.Missing(t, itoa(int(n>>20))+" MiB of free disk in "+dir+" (has "+itoa(int(free>>20))+" MiB)")
	}
}
