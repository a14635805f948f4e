package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/regsetup/regsetup/internal/execx"
)

// fakeDocker is an execx.Runner that behaves like a docker CLI + daemon
// talking to the test registry: it records every command and really pushes
// and pulls with ggcr, with the credentials docker login stored per
// DOCKER_CONFIG directory.
type fakeDocker struct {
	tr http.RoundTripper

	mu      sync.Mutex
	calls   []fakeCall
	logins  map[string]Identity // DOCKER_CONFIG → who logged in there
	images  map[string]v1.Image // local image names
	digests map[string]string   // local name → repo digest after pull
}

// fakeCall is one recorded command.
type fakeCall struct {
	execx.Cmd
	stdin string
}

func newFakeDocker(tr http.RoundTripper) *fakeDocker {
	return &fakeDocker{tr: tr, logins: map[string]Identity{}, images: map[string]v1.Image{}, digests: map[string]string{}}
}

func (f *fakeDocker) Output(ctx context.Context, c execx.Cmd) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	call := fakeCall{Cmd: c}
	if c.Stdin != nil {
		b, _ := io.ReadAll(c.Stdin)
		call.stdin = string(b)
	}
	f.calls = append(f.calls, call)
	out, err := f.do(ctx, call)
	if err != nil {
		return nil, &execx.Error{Cmd: c.String(), Output: err.Error(), Err: errors.New("exit status 1")}
	}
	return []byte(out), nil
}

func (f *fakeDocker) do(ctx context.Context, c fakeCall) (string, error) {
	args, cfg := c.Args, configOf(c.Cmd)
	switch {
	case len(args) == 5 && args[0] == "login":
		return f.login(ctx, cfg, Identity{User: args[2], Password: c.stdin}, args[4])
	case len(args) == 3 && args[0] == "load":
		return f.load(args[2])
	case len(args) == 2 && args[0] == "push":
		return f.push(ctx, cfg, args[1])
	case len(args) == 2 && args[0] == "pull":
		return f.pull(ctx, cfg, args[1])
	case len(args) == 2 && args[0] == "rmi":
		if _, ok := f.images[args[1]]; !ok {
			return "", fmt.Errorf("Error response from daemon: No such image: %s", args[1])
		}
		delete(f.images, args[1])
		return "Untagged: " + args[1], nil
	case len(args) == 3 && args[0] == "tag":
		f.images[args[2]] = f.images[args[1]]
		return "", nil
	case len(args) == 5 && args[0] == "image" && args[1] == "inspect":
		return f.inspect(args[4])
	}
	return "", fmt.Errorf("fake docker: unexpected command %v", args)
}

func configOf(c execx.Cmd) string {
	for _, e := range c.Env {
		if v, ok := strings.CutPrefix(e, "DOCKER_CONFIG="); ok {
			return v
		}
	}
	return ""
}

func (f *fakeDocker) login(ctx context.Context, cfg string, id Identity, host string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+"/v2/", nil)
	req.SetBasicAuth(id.User, id.Password)
	resp, err := f.tr.RoundTrip(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("Error response from daemon: login attempt to https://%s/v2/ failed with status: %s", host, resp.Status)
	}
	f.logins[cfg] = id
	return "Login Succeeded", nil
}

func (f *fakeDocker) load(path string) (string, error) {
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return openFile(path) })
	if err != nil || len(m) != 1 || len(m[0].RepoTags) != 1 {
		return "", fmt.Errorf("loading %s: %v", path, err)
	}
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		return "", err
	}
	f.images[m[0].RepoTags[0]] = img
	return "Loaded image: " + m[0].RepoTags[0], nil
}

func (f *fakeDocker) opts(ctx context.Context, cfg string) []remote.Option {
	id := f.logins[cfg]
	return []remote.Option{remote.WithContext(ctx), remote.WithTransport(f.tr),
		remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: id.User, Password: id.Password}))}
}

func (f *fakeDocker) push(ctx context.Context, cfg, ref string) (string, error) {
	img, ok := f.images[ref]
	tag, err := name.NewTag(ref)
	if !ok || err != nil {
		return "", fmt.Errorf("An image does not exist locally with the tag: %s", ref)
	}
	if err := remote.Write(tag, img, f.opts(ctx, cfg)...); err != nil {
		if isDenied(err) {
			return "", errors.New("unauthorized: authentication required")
		}
		return "", err
	}
	d, _ := img.Digest()
	return fmt.Sprintf("%s: digest: %s size: 123", tag.TagStr(), d), nil
}

func (f *fakeDocker) pull(ctx context.Context, cfg, ref string) (string, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return "", err
	}
	img, err := remote.Image(tag, f.opts(ctx, cfg)...)
	if err != nil {
		return "", err
	}
	d, _ := img.Digest()
	f.images[ref], f.digests[ref] = img, tag.Context().Name()+"@"+d.String()
	return "Digest: " + d.String(), nil
}

func (f *fakeDocker) inspect(ref string) (string, error) {
	img, ok := f.images[ref]
	if !ok {
		return "", fmt.Errorf("Error: No such image: %s", ref)
	}
	cf, _ := img.ConfigFile()
	var out dockerImage
	out.RepoDigests = []string{f.digests[ref]}
	for _, h := range cf.RootFS.DiffIDs {
		out.RootFS.Layers = append(out.RootFS.Layers, h.String())
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func openFile(path string) (io.ReadCloser, error) { return os.Open(path) }
