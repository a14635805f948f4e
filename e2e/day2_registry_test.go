package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// registryClient acts on the stack's registry as one user, through rt.
type registryClient struct {
	host       string // myregistrydomain.com:PORT
	user, pass string
	rt         http.RoundTripper
}

func (r registryClient) opts(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: r.user, Password: r.pass})),
		remote.WithTransport(r.rt), remote.WithContext(ctx),
		remote.WithRetryPredicate(func(error) bool { return false }), remote.WithRetryStatusCodes(),
	}
}

func (r registryClient) ref(repo string) (name.Reference, error) {
	return name.ParseReference(r.host + "/" + repo)
}

// push writes img as repo (REPO:TAG).
func (r registryClient) push(ctx context.Context, repo string, img v1.Image) error {
	ref, err := r.ref(repo)
	if err != nil {
		return err
	}
	if err := remote.Write(ref, img, r.opts(ctx)...); err != nil {
		return fmt.Errorf("pushing %s as %s: %w", repo, r.user, err)
	}
	return nil
}

// pullSame pulls repo and checks that its manifest digest and every
// layer's bytes are img's, reading the layers at the same time.
func (r registryClient) pullSame(ctx context.Context, repo string, img v1.Image) error {
	ref, err := r.ref(repo)
	if err != nil {
		return err
	}
	got, err := remote.Image(ref, r.opts(ctx)...)
	if err != nil {
		return fmt.Errorf("pulling %s as %s: %w", repo, r.user, err)
	}
	if err := sameDigest("manifest of "+repo, got, img); err != nil {
		return err
	}
	gotLayers, err := got.Layers()
	if err != nil {
		return fmt.Errorf("listing the layers of %s: %w", repo, err)
	}
	wantLayers, err := img.Layers()
	if err != nil {
		return err
	}
	if len(gotLayers) != len(wantLayers) {
		return fmt.Errorf("%s has %d layers, want %d", repo, len(gotLayers), len(wantLayers))
	}
	errs := make([]error, len(gotLayers))
	var wg sync.WaitGroup
	for i := range gotLayers {
		wg.Go(func() { errs[i] = sameLayer(gotLayers[i], wantLayers[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("layer %d of %s: %w", i+1, repo, err)
		}
	}
	return nil
}

// headSame checks that repo's manifest in the registry is img's.
func (r registryClient) headSame(ctx context.Context, repo string, img v1.Image) error {
	ref, err := r.ref(repo)
	if err != nil {
		return err
	}
	desc, err := remote.Head(ref, r.opts(ctx)...)
	if err != nil {
		return fmt.Errorf("HEAD %s as %s: %w", repo, r.user, err)
	}
	want, err := img.Digest()
	if err != nil {
		return err
	}
	if desc.Digest != want {
		return fmt.Errorf("the registry has %s at %s, the client pushed %s", repo, desc.Digest, want)
	}
	return nil
}

type digester interface{ Digest() (v1.Hash, error) }

func sameDigest(what string, got, want digester) error {
	g, err := got.Digest()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	w, err := want.Digest()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if g != w {
		return fmt.Errorf("%s: digest %s, want %s", what, g, w)
	}
	return nil
}

// sameLayer reads a pulled layer to the end and checks its bytes hash to
// the digest of want.
func sameLayer(got, want v1.Layer) error {
	w, err := want.Digest()
	if err != nil {
		return err
	}
	rc, err := got.Compressed()
	if err != nil {
		return fmt.Errorf("opening: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return fmt.Errorf("reading (after %d bytes): %w", n, err)
	}
	if sum := "sha256:" + hex.EncodeToString(h.Sum(nil)); sum != w.String() {
		return fmt.Errorf("the %d bytes read hash to %s, want %s", n, sum, w)
	}
	return nil
}
