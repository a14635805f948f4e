package verify

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// newTag returns a unique tag such as "verify-20240102-150405-1a2b3c".
func newTag(now time.Time) string {
	return "verify-" + now.UTC().Format("20060102-150405") + "-" + randomHex(3)
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// newImage returns a random image of layers layers of size bytes each, with
// a platform set so that docker load accepts it.
func newImage(layers int, size int64) (v1.Image, error) {
	img, err := random.Image(size, int64(layers))
	if err != nil {
		return nil, fmt.Errorf("generating a random image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the random image's config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("setting the random image's platform: %w", err)
	}
	return img, nil
}

// describe returns what the registry should end up holding for img.
func describe(img v1.Image) (*pushedImage, error) {
	p := &pushedImage{}
	var err error
	if p.digest, err = img.Digest(); err != nil {
		return nil, fmt.Errorf("computing the image digest: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing the image layers: %w", err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, fmt.Errorf("computing a layer digest: %w", err)
		}
		diffID, err := l.DiffID()
		if err != nil {
			return nil, fmt.Errorf("computing a layer diff id: %w", err)
		}
		size, err := l.Size()
		if err != nil {
			return nil, fmt.Errorf("computing a layer size: %w", err)
		}
		p.layers, p.diffIDs, p.size = append(p.layers, d), append(p.diffIDs, diffID), p.size+size
	}
	return p, nil
}

// humanSize formats n bytes like "3.1 MB" (decimal units).
func humanSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// shortDigest returns "sha256:0123456789ab".
func shortDigest(h v1.Hash) string {
	if len(h.Hex) > 12 {
		return h.Algorithm + ":" + h.Hex[:12]
	}
	return h.String()
}

// testImage is the image the push step sends, with what it is expected to
// look like once pulled back.
func (r *run) testImage() (v1.Image, *pushedImage, error) {
	img, err := newImage(r.c.Layers, r.c.LayerSize)
	if err != nil {
		return nil, nil, err
	}
	want, err := describe(img)
	if err != nil {
		return nil, nil, err
	}
	return img, want, nil
}
