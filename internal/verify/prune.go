package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Footprint is what a run sent to the registry and what it took away.
type Footprint struct {
	// BlobsUploaded are the blobs verify's own HTTP client uploaded: the
	// new config of each pushed image, and layers the registry lacked. The
	// docker client's pushes are not seen here.
	BlobsUploaded []string
	// LayersReused counts the test image's layers the registry had
	// already; -1 when the docker client pushed.
	LayersReused int
	// UploadsLeftOpen counts the blob upload sessions verify's HTTP
	// requests opened and did not finish (the matrix's POSTs, a push cut
	// short); UploadsCancelled those it then cancelled with DELETE.
	UploadsLeftOpen, UploadsCancelled int
	// Deleted are the manifests deleted after the checks.
	Deleted []string
	// Kept says, when set, why an image that cleanup wanted to delete is
	// still in the registry (e.g. deletes are disabled there).
	Kept string
}

// notePrevious wraps the push step: before pushing it remembers which
// image the tag points to (the previous run's), for cleanup.
func (r *run) notePrevious(push func(context.Context) (string, error)) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		if desc, err := remote.Head(r.tag, r.remoteOpts(ctx, r.c.Pusher)...); err == nil {
			r.previous = &desc.Digest
		}
		msg, err := push(ctx)
		if err == nil && r.pushed != nil {
			r.rep.Digest = r.pushed.digest.String()
		}
		return msg, err
	}
}

// cleanupRegistry cancels the upload sessions left open and deletes what
// the cleanup mode asks for. It never fails the run: problems become
// warnings.
func (r *run) cleanupRegistry(ctx context.Context) {
	fp := &r.rep.Footprint
	var warnings []string
	fp.UploadsLeftOpen, fp.UploadsCancelled, warnings = r.uploads.cancelAll(ctx, r.c.Pusher)
	for _, w := range warnings {
		r.rep.Warnings = append(r.rep.Warnings, r.red.String(w))
	}
	if r.pushed != nil && r.c.Client == ClientGGCR {
		for _, l := range r.pushed.layers {
			if !r.uploads.wasUploaded(l.String()) {
				fp.LayersReused++
			}
		}
	}
	fp.BlobsUploaded = r.uploads.blobs()
	if r.c.Cleanup == CleanupNone || !r.loginOK[r.c.Pusher.User] {
		return
	}
	for _, d := range r.cleanupTargets(ctx) {
		if stop := r.deleteImage(ctx, d); stop {
			return
		}
	}
}

// cleanupTargets are the manifests to delete: the previous run's image
// once the tag has moved off it (a push that silently did nothing leaves
// the tag there, and the image must stay), and with CleanupAll also this
// run's and whatever the tag points to now.
func (r *run) cleanupTargets(ctx context.Context) []v1.Hash {
	var current *v1.Hash
	if desc, err := remote.Head(r.tag, r.remoteOpts(ctx, r.c.Pusher)...); err == nil {
		current = &desc.Digest
	}
	var out []v1.Hash
	add := func(h *v1.Hash) {
		if h != nil && !slices.Contains(out, *h) {
			out = append(out, *h)
		}
	}
	if r.previous != nil && (r.c.Cleanup == CleanupAll || (current != nil && *current != *r.previous)) {
		add(r.previous)
	}
	if r.c.Cleanup == CleanupAll {
		if r.pushed != nil {
			add(&r.pushed.digest)
		}
		add(current)
	}
	return out
}

// deleteImage deletes the manifest d and its config blob from the
// repository, if it is an image verify pushed. It returns true when the
// registry does not allow deletes, so nothing else need be tried.
func (r *run) deleteImage(ctx context.Context, d v1.Hash) (stop bool) {
	fp := &r.rep.Footprint
	config, err := r.verifyImageConfig(ctx, d)
	if errors.Is(err, errGone) {
		return false
	}
	if err != nil {
		r.warnf("cleanup: %s: %v; not deleted", shortDigest(d), err)
		return false
	}
	path := "/v2/" + r.c.Repo + "/manifests/" + d.String()
	if !r.c.Policy.Allowed(r.c.Pusher.User, http.MethodDelete, path) {
		fp.Kept = fmt.Sprintf("the access rules do not let %s DELETE in %s", r.c.Pusher.User, r.c.Repo)
		return true
	}
	resp, err := r.send(ctx, r.c.Pusher, http.MethodDelete, path)
	switch {
	case err != nil:
		r.warnf("cleanup: deleting %s: %v", shortDigest(d), err)
		return false
	case resp.status == http.StatusMethodNotAllowed:
		fp.Kept = "the registry does not allow deletes (405 Method Not Allowed; storage.delete.enabled is off)"
		if r.c.Cleanup == CleanupAll {
			r.warnf("cleanup: %s", fp.Kept)
		}
		return true
	case denied(resp.status):
		r.warnf("cleanup: the proxy refused DELETE of %s for %s (%s)", shortDigest(d), r.c.Pusher.User, statusText(resp.status))
		return true
	case resp.status == http.StatusNotFound:
		return false
	case resp.status/100 != 2:
		r.warnf("cleanup: deleting %s got %s", shortDigest(d), statusText(resp.status))
		return false
	}
	fp.Deleted = append(fp.Deleted, d.String())
	resp, err = r.send(ctx, r.c.Pusher, http.MethodDelete, "/v2/"+r.c.Repo+"/blobs/"+config.String())
	switch {
	case err != nil:
		r.warnf("cleanup: deleting the config of %s: %v", shortDigest(d), err)
	case resp.status/100 != 2 && resp.status != http.StatusNotFound:
		r.warnf("cleanup: deleting the config of %s got %s", shortDigest(d), statusText(resp.status))
	}
	return false
}

// errGone means a manifest is not in the registry (any more).
var errGone = errors.New("not in the registry")

// errNotOurs means an image lacks verify's label.
var errNotOurs = errors.New("not an image verify pushed (no " + LabelImage + " label)")

// verifyImageConfig reads manifest d and its config, and returns the
// config digest if the config carries verify's label.
func (r *run) verifyImageConfig(ctx context.Context, d v1.Hash) (v1.Hash, error) {
	img, err := remote.Image(r.tag.Context().Digest(d.String()), r.remoteOpts(ctx, r.c.Pusher)...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return v1.Hash{}, errGone
		}
		return v1.Hash{}, fmt.Errorf("reading it: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reading its config: %w", err)
	}
	if cf.Config.Labels[LabelImage] == "" {
		return v1.Hash{}, errNotOurs
	}
	return img.ConfigName()
}

// warnf adds a redacted warning to the report.
func (r *run) warnf(format string, args ...any) {
	r.rep.Warnings = append(r.rep.Warnings, r.red.String(fmt.Sprintf(format, args...)))
}

// Summary is one line about the footprint, e.g. "uploaded 1 blob, 3 layers
// already there; 10 upload sessions left open, 10 cancelled; deleted 1
// manifest".
func (f Footprint) Summary() string {
	s := fmt.Sprintf("uploaded %d %s", len(f.BlobsUploaded), plural(len(f.BlobsUploaded), "blob", "blobs"))
	if f.LayersReused > 0 {
		s += fmt.Sprintf(", %d %s already there", f.LayersReused, plural(f.LayersReused, "layer", "layers"))
	}
	if f.LayersReused < 0 {
		s += " (docker pushed the image; its uploads are not counted)"
	}
	s += fmt.Sprintf("; %d upload %s left open, %d cancelled", f.UploadsLeftOpen, plural(f.UploadsLeftOpen, "session", "sessions"), f.UploadsCancelled)
	s += fmt.Sprintf("; deleted %d %s", len(f.Deleted), plural(len(f.Deleted), "manifest", "manifests"))
	if f.Kept != "" {
		s += "; kept: " + f.Kept
	}
	return s
}

// zero reports whether the run touched nothing in the registry.
func (f Footprint) zero() bool {
	return len(f.BlobsUploaded) == 0 && f.LayersReused == 0 && f.UploadsLeftOpen == 0 && len(f.Deleted) == 0 && f.Kept == ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
