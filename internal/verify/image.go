package verify

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Labels of the test image's config. LabelRun is new each run, so every
// push makes a new config and manifest digest while the layers stay the
// same; LabelImage marks images verify pushed (it deletes nothing else).
const (
	LabelImage = "org.regsetup.verify"
	LabelRun   = "org.regsetup.verify.run"
)

// newRunID returns a run identifier such as "20240102T150405Z-1a2b3c4d5e6f".
func newRunID(now time.Time) string {
	return now.UTC().Format("20060102T150405Z") + "-" + randomHex(6)
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// newImage returns the test image: layers deterministic layers of size
// bytes each (the same bytes for the same role, count and size, so a
// registry that has them already receives them no more), and a small
// config labelled with role and runID, with a platform set so that docker
// load accepts it.
func newImage(role string, layers int, size int64, runID string) (v1.Image, error) {
	ls := make([]v1.Layer, 0, layers)
	for i := range layers {
		l, err := fixedLayer(role, i, size)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	if err != nil {
		return nil, fmt.Errorf("building the test image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the test image's config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config.Labels = map[string]string{LabelImage: role, LabelRun: runID}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("labelling the test image: %w", err)
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
	if p.config, err = img.ConfigName(); err != nil {
		return nil, fmt.Errorf("computing the config digest: %w", err)
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

// Roles of the images verify builds: the one the pusher pushes and the one
// the pull-only user must fail to push.
const (
	rolePush   = "push"
	roleDenied = "denied"
)

// testImage is the image the push step sends, with what it is expected to
// look like once pulled back.
func (r *run) testImage() (v1.Image, *pushedImage, error) {
	img, err := newImage(rolePush, r.c.Layers, r.c.LayerSize, r.runID)
	if err != nil {
		return nil, nil, err
	}
	want, err := describe(img)
	if err != nil {
		return nil, nil, err
	}
	return img, want, nil
}

// deniedImage is the image the pull-only user tries to push: one small
// fixed layer and its own config, so it never equals the pushed image.
func (r *run) deniedImage() (v1.Image, error) {
	return newImage(roleDenied, 1, min(r.c.LayerSize, 1024), r.runID)
}
