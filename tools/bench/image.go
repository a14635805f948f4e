package bench

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// blockSize is the period of the generated content: a block of random
// bytes, repeated with a different (layer, index) stamp at its start, so
// that content is incompressible per block, unique per layer, cheap to
// produce (a copy) and never held in memory beyond one block.
const blockSize = 1 << 20

// genLayer is a layer of deterministic pseudo-random content streamed on
// demand: an uncompressed OCI layer whose digest is computed once.
type genLayer struct {
	id     uint64
	size   int64
	block  []byte
	digest v1.Hash
}

var _ v1.Layer = (*genLayer)(nil)

// newGenLayer makes layer id of size bytes and hashes its content once.
func newGenLayer(id uint64, size int64, block []byte) (*genLayer, error) {
	l := &genLayer{id: id, size: size, block: block}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, l.reader(), make([]byte, blockSize)); err != nil {
		return nil, fmt.Errorf("hashing layer %d: %w", id, err)
	}
	l.digest = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
	return l, nil
}

func (l *genLayer) reader() io.ReadCloser { return &genReader{l: l} }

func (l *genLayer) Digest() (v1.Hash, error)             { return l.digest, nil }
func (l *genLayer) DiffID() (v1.Hash, error)             { return l.digest, nil }
func (l *genLayer) Compressed() (io.ReadCloser, error)   { return l.reader(), nil }
func (l *genLayer) Uncompressed() (io.ReadCloser, error) { return l.reader(), nil }
func (l *genLayer) Size() (int64, error)                 { return l.size, nil }
func (l *genLayer) MediaType() (types.MediaType, error)  { return types.OCIUncompressedLayer, nil }

// genReader streams a genLayer's content.
type genReader struct {
	l     *genLayer
	off   int64
	stamp [16]byte
}

func (r *genReader) Read(p []byte) (int, error) {
	if r.off >= r.l.size {
		return 0, io.EOF
	}
	if rest := r.l.size - r.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n := 0
	for n < len(p) {
		idx, in := r.off/blockSize, int(r.off%blockSize)
		m := copy(p[n:], r.l.block[in:])
		if in < len(r.stamp) { // the first 16 bytes of each block: (layer id, block index)
			binary.BigEndian.PutUint64(r.stamp[:8], r.l.id)
			binary.BigEndian.PutUint64(r.stamp[8:], uint64(idx))
			copy(p[n:n+m], r.stamp[in:])
		}
		n += m
		r.off += int64(m)
	}
	return n, nil
}

func (r *genReader) Close() error { return nil }

// randomBlock is the shared block of content, from a fixed seed.
func randomBlock() []byte {
	b := make([]byte, blockSize)
	rng := rand.NewChaCha8([32]byte{'r', 'e', 'g', 's', 'e', 't', 'u', 'p'})
	_, _ = rng.Read(b)
	return b
}

// genImage is an OCI image of n layers of size bytes each (the last one
// takes the remainder of total when total is given instead), layer ids
// starting at base so that distinct images share no blob.
func genImage(base uint64, sizes []int64, block []byte) (v1.Image, []*genLayer, error) {
	layers := make([]*genLayer, len(sizes))
	adds := make([]v1.Layer, len(sizes))
	for i, s := range sizes {
		l, err := newGenLayer(base+uint64(i), s, block)
		if err != nil {
			return nil, nil, err
		}
		layers[i], adds[i] = l, l
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, adds...)
	if err != nil {
		return nil, nil, fmt.Errorf("building the image: %w", err)
	}
	return img, layers, nil
}

// split divides total into n sizes, the last taking the remainder.
func split(total int64, n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = total / int64(n)
	}
	s[n-1] += total % int64(n)
	return s
}

// repeat is n copies of size.
func repeat(size int64, n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = size
	}
	return s
}
