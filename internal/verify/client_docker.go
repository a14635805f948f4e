package verify

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// dockerClient does login, push, pull and denied-push with the docker CLI,
// like the recipe, each identity in its own temporary DOCKER_CONFIG. The
// image is generated here and docker-loaded, so nothing is pulled from the
// internet. The docker daemon resolves and trusts the host by itself
// (/etc/docker/certs.d/HOST/ca.crt): Config.Dial and RootCAs do not apply.
type dockerClient struct {
	r   *run
	env dockerEnv
}

func (d *dockerClient) login(ctx context.Context) (string, error) {
	r := d.r
	if r.c.Dial != "" || r.c.RootCAs != nil {
		r.rep.Warnings = append(r.rep.Warnings, "the docker client uses the docker daemon's own name resolution and CA trust; dial and CA settings apply only to the HTTP checks")
	}
	var problems, ok []string
	for _, id := range []Identity{r.c.Pusher, r.c.Puller} {
		if err := d.dockerLogin(ctx, id.User, id); err != nil {
			problems = append(problems, fmt.Sprintf("docker login as %s: %v", id.User, err))
			continue
		}
		r.loginOK[id.User] = true
		ok = append(ok, id.User)
	}
	wrong := r.wrongPassword()
	err := d.dockerLogin(ctx, "wrong:"+wrong.User, wrong)
	switch {
	case err == nil:
		problems = append(problems, fmt.Sprintf("docker login as %s with a wrong password succeeded", wrong.User))
	case !dockerDenied(err):
		problems = append(problems, fmt.Sprintf("docker login as %s with a wrong password failed, but not as unauthorized: %v", wrong.User, err))
	}
	if len(problems) > 0 {
		return "", &failure{msg: problems[0], details: problems[1:]}
	}
	return fmt.Sprintf("docker login as %s succeeded; a wrong password for %s was refused", strings.Join(ok, " and "), wrong.User), nil
}

// load writes img as a tarball tagged ref and docker-loads it.
func (d *dockerClient) load(ctx context.Context, file string, ref name.Tag, img v1.Image) error {
	root, err := d.dir()
	if err != nil {
		return err
	}
	path := filepath.Join(root, file)
	if err := tarball.WriteToFile(path, ref, img); err != nil {
		return fmt.Errorf("writing the image tarball: %w", err)
	}
	d.remember(ref.String())
	if _, err := d.docker(ctx, d.r.c.Pusher.User, nil, "load", "--input", path); err != nil {
		return fmt.Errorf("loading the test image into docker: %w", err)
	}
	return nil
}

func (d *dockerClient) push(ctx context.Context) (string, error) {
	r := d.r
	img, want, err := r.testImage()
	if err != nil {
		return "", err
	}
	if err := d.load(ctx, "image.tar", r.tag, img); err != nil {
		return "", err
	}
	out, err := d.docker(ctx, r.c.Pusher.User, nil, "push", r.tag.String())
	if err != nil {
		if dockerDenied(err) {
			return "", failf("the proxy refused docker push of %s as %s: may this user push? %v", r.tag, r.c.Pusher.User, err)
		}
		return "", fmt.Errorf("docker push of %s as %s: %w", r.tag, r.c.Pusher.User, err)
	}
	digest, err := parsePushDigest(out)
	if err != nil {
		return "", err
	}
	if want.digest, err = v1.NewHash(digest); err != nil {
		return "", fmt.Errorf("reading the pushed digest: %w", err)
	}
	want.layers = nil // docker may recompress; compare diff ids instead
	r.pushed = want
	return fmt.Sprintf("pushed %s (%d layers, %s) as %s with docker", r.tag, len(want.diffIDs), humanSize(want.size), r.c.Pusher.User), nil
}

func (d *dockerClient) pull(ctx context.Context) (string, error) {
	r, ref := d.r, d.r.tag.String()
	if err := d.rmi(ctx, ref); err != nil {
		return "", fmt.Errorf("removing the local copy before pulling: %w", err)
	}
	if _, err := d.docker(ctx, r.c.Puller.User, nil, "pull", ref); err != nil {
		return "", fmt.Errorf("docker pull of %s as %s: %w", ref, r.c.Puller.User, err)
	}
	got, err := d.inspect(ctx, ref)
	if err != nil {
		return "", err
	}
	digest := r.pushed.digest.String()
	if !slices.ContainsFunc(got.RepoDigests, func(s string) bool { return strings.HasSuffix(s, "@"+digest) }) {
		return "", failf("pulled %s as %s: repo digests %v, want %s", ref, r.c.Puller.User, got.RepoDigests, digest)
	}
	var diffIDs []string
	for _, h := range r.pushed.diffIDs {
		diffIDs = append(diffIDs, h.String())
	}
	if !slices.Equal(got.RootFS.Layers, diffIDs) {
		return "", failf("pulled %s as %s: layers %v, pushed %v", ref, r.c.Puller.User, got.RootFS.Layers, diffIDs)
	}
	return fmt.Sprintf("pulled %s as %s with docker: digest %s and all %d layers identical",
		ref, r.c.Puller.User, shortDigest(r.pushed.digest), len(diffIDs)), nil
}

func (d *dockerClient) deniedPush(ctx context.Context) (string, error) {
	r, ref := d.r, d.r.tag.String()
	img, err := r.deniedImage()
	if err != nil {
		return "", err
	}
	local, err := name.NewTag("regsetup-verify-local/denied:" + r.tag.TagStr())
	if err != nil {
		return "", fmt.Errorf("naming the local image: %w", err)
	}
	if err := d.load(ctx, "denied.tar", local, img); err != nil {
		return "", err
	}
	if err := d.rmi(ctx, ref); err != nil {
		return "", fmt.Errorf("removing the pulled image before retagging: %w", err)
	}
	if _, err := d.docker(ctx, r.c.Puller.User, nil, "tag", local.String(), ref); err != nil {
		return "", fmt.Errorf("tagging the second image: %w", err)
	}
	d.remember(ref)
	_, err = d.docker(ctx, r.c.Puller.User, nil, "push", ref)
	msg, jerr := r.judgeDeniedPush(ctx, err, err != nil && dockerDenied(err))
	if jerr == nil && err != nil {
		msg += fmt.Sprintf("; docker said %q", dockerSaid(err))
	}
	return msg, jerr
}

// dockerSaid is the last line of a failed docker command's output, e.g.
// "denied: requested access to the resource is denied" (403) rather than
// "unauthorized: authentication required" (401).
func dockerSaid(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
