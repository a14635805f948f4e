package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ggcrClient does login, push, pull and denied-push over HTTP with
// go-containerregistry.
type ggcrClient struct{ r *run }

func (g *ggcrClient) login(ctx context.Context) (string, error) { return g.r.httpLogin(ctx) }

func (g *ggcrClient) cleanup(context.Context) []string { return nil }

// remoteOpts are the options for acting as id. Blobs go up one at a time:
// with parallel uploads, a failing one cancels the others, and a POST the
// registry answered after the client gave up opens an upload session that
// verify never learns of and so cannot cancel.
func (r *run) remoteOpts(ctx context.Context, id Identity) []remote.Option {
	auth := authn.Anonymous
	if id.User != "" {
		auth = authn.FromConfig(authn.AuthConfig{Username: id.User, Password: id.Password})
	}
	return []remote.Option{remote.WithAuth(auth), remote.WithTransport(r.uploads), remote.WithContext(ctx), remote.WithJobs(1)}
}

func (g *ggcrClient) push(ctx context.Context) (string, error) {
	r := g.r
	img, want, err := r.testImage()
	if err != nil {
		return "", err
	}
	if err := remote.Write(r.tag, img, r.remoteOpts(ctx, r.c.Pusher)...); err != nil {
		if isDenied(err) {
			return "", failf("the proxy refused the push of %s as %s (%s): may this user push? %v", r.tag, r.c.Pusher.User, deniedStatus(err), err)
		}
		return "", fmt.Errorf("pushing %s as %s: %w", r.tag, r.c.Pusher.User, err)
	}
	r.pushed = want
	return fmt.Sprintf("pushed %s (%d layers, %s) as %s", r.tag, len(want.layers), humanSize(want.size), r.c.Pusher.User), nil
}

func (g *ggcrClient) pull(ctx context.Context) (string, error) {
	r := g.r
	img, err := remote.Image(r.tag, r.remoteOpts(ctx, r.c.Puller)...)
	if err != nil {
		return "", fmt.Errorf("pulling %s as %s: %w", r.tag, r.c.Puller.User, err)
	}
	got, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("reading the pulled manifest digest: %w", err)
	}
	if got != r.pushed.digest {
		return "", failf("pulled %s as %s: manifest digest %s, want %s", r.tag, r.c.Puller.User, got, r.pushed.digest)
	}
	n, err := compareLayers(img, r.pushed.layers)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("pulled %s as %s: digest %s and all %d layers (%s) identical",
		r.tag, r.c.Puller.User, shortDigest(got), len(r.pushed.layers), humanSize(n)), nil
}

// compareLayers checks that img has exactly the layers want, reading and
// hashing every compressed layer. It returns the bytes read.
func compareLayers(img v1.Image, want []v1.Hash) (int64, error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, fmt.Errorf("listing the pulled layers: %w", err)
	}
	if len(layers) != len(want) {
		return 0, failf("pulled %d layers, pushed %d", len(layers), len(want))
	}
	var total int64
	for i, l := range layers {
		n, sum, err := hashLayer(l)
		if err != nil {
			return 0, fmt.Errorf("reading pulled layer %d: %w", i+1, err)
		}
		if sum != want[i] {
			return 0, failf("pulled layer %d hashes to %s, pushed %s", i+1, sum, want[i])
		}
		total += n
	}
	return total, nil
}

func hashLayer(l v1.Layer) (int64, v1.Hash, error) {
	rc, err := l.Compressed()
	if err != nil {
		return 0, v1.Hash{}, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return n, v1.Hash{}, err
	}
	return n, v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, nil
}

func (g *ggcrClient) deniedPush(ctx context.Context) (string, error) {
	r := g.r
	img, err := r.deniedImage()
	if err != nil {
		return "", err
	}
	pushErr := remote.Write(r.tag, img, r.remoteOpts(ctx, r.c.Puller)...)
	return r.judgeDeniedPush(ctx, pushErr, isDenied(pushErr))
}

// judgeDeniedPush decides the denied-push step from the puller's push
// error (denied says whether it was the proxy refusing) and from where the
// tag points afterwards.
func (r *run) judgeDeniedPush(ctx context.Context, pushErr error, denied bool) (string, error) {
	var problems []string
	switch {
	case pushErr == nil:
		problems = append(problems, fmt.Sprintf("%s (pull only) could push %s: the access rules are broken", r.c.Puller.User, r.tag))
	case !denied:
		problems = append(problems, fmt.Sprintf("the push as %s failed, but not with 401/403 from the proxy: %v", r.c.Puller.User, pushErr))
	}
	desc, err := remote.Head(r.tag, r.remoteOpts(ctx, r.c.Pusher)...)
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("checking %s as %s afterwards: %v", r.tag, r.c.Pusher.User, err))
	case desc.Digest != r.pushed.digest:
		problems = append(problems, fmt.Sprintf("%s now points to %s, want %s", r.tag, desc.Digest, r.pushed.digest))
	}
	if len(problems) > 0 {
		return "", &failure{msg: problems[0], details: problems[1:]}
	}
	return fmt.Sprintf("push as %s refused; %s still points to %s", r.c.Puller.User, r.tag.TagStr(), shortDigest(r.pushed.digest)), nil
}
