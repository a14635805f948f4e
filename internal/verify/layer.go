package verify

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// fixedLayer returns layer i of the given role: a gzipped tar holding one
// file of size pseudo-random bytes. The bytes depend only on role, i and
// size (a ChaCha8 stream with a seed derived from them), the tar header is
// fixed and gzip stores without compressing (random bytes do not shrink)
// and without a time stamp, so the compressed digest is the same on every
// run: a registry that has the layer already is never sent it again.
func fixedLayer(role string, i int, size int64) (v1.Layer, error) {
	seed := sha256.Sum256(fmt.Appendf(nil, "regsetup-verify layer %s %d %d", role, i, size))
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	if err != nil {
		return nil, fmt.Errorf("building a test layer: %w", err)
	}
	tw := tar.NewWriter(zw)
	hdr := &tar.Header{
		Name: fmt.Sprintf("regsetup-verify/%s-%d", role, i), Mode: 0o644, Size: size,
		ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("building a test layer: %w", err)
	}
	if _, err := io.CopyN(tw, rand.NewChaCha8(seed), size); err != nil {
		return nil, fmt.Errorf("building a test layer: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("building a test layer: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("building a test layer: %w", err)
	}
	gz := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gz)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("building a test layer: %w", err)
	}
	return l, nil
}
