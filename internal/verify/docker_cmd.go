package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/regsetup/regsetup/internal/execx"
)

// dockerEnv holds the docker client's temporary files: one DOCKER_CONFIG
// directory per identity (so the user's ~/.docker/config.json is never
// read or written) and the image tarballs.
type dockerEnv struct {
	root    string            // temporary directory holding everything
	configs map[string]string // identity key → DOCKER_CONFIG directory
	created []string          // local image names to remove at the end
}

// dir returns the temporary root, creating it on first use.
func (d *dockerClient) dir() (string, error) {
	if d.env.root != "" {
		return d.env.root, nil
	}
	root, err := os.MkdirTemp(d.r.c.TempDir, "regsetup-verify-docker-")
	if err != nil {
		return "", fmt.Errorf("creating a temporary directory for docker: %w", err)
	}
	d.env.root, d.env.configs = root, map[string]string{}
	return root, nil
}

// configDir returns the DOCKER_CONFIG directory for key (a user name, or
// e.g. "wrong:testuserpush"), creating it on first use.
func (d *dockerClient) configDir(key string) (string, error) {
	root, err := d.dir()
	if err != nil {
		return "", err
	}
	if dir, ok := d.env.configs[key]; ok {
		return dir, nil
	}
	dir := filepath.Join(root, fmt.Sprintf("config-%d", len(d.env.configs)+1))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating a docker config directory: %w", err)
	}
	d.env.configs[key] = dir
	return dir, nil
}

// docker runs the docker CLI with the DOCKER_CONFIG of key.
func (d *dockerClient) docker(ctx context.Context, key string, stdin io.Reader, args ...string) ([]byte, error) {
	dir, err := d.configDir(key)
	if err != nil {
		return nil, err
	}
	cmd := execx.Cmd{Name: d.r.c.Docker, Args: args, Env: []string{"DOCKER_CONFIG=" + dir}, Stdin: stdin}
	return d.r.c.Runner.Output(ctx, cmd)
}

// login runs docker login with the password on stdin, never in argv.
func (d *dockerClient) dockerLogin(ctx context.Context, key string, id Identity) error {
	_, err := d.docker(ctx, key, strings.NewReader(id.Password),
		"login", "--username", id.User, "--password-stdin", d.r.c.Host)
	return err
}

var pushDigest = regexp.MustCompile(`digest: (sha256:[0-9a-f]{64})`)

// parsePushDigest finds the manifest digest in docker push output.
func parsePushDigest(out []byte) (string, error) {
	m := pushDigest.FindSubmatch(out)
	if m == nil {
		return "", errors.New("no manifest digest in the docker push output")
	}
	return string(m[1]), nil
}

// dockerImage is the part of docker image inspect we look at.
type dockerImage struct {
	RepoDigests []string
	RootFS      struct{ Layers []string }
}

func (d *dockerClient) inspect(ctx context.Context, ref string) (dockerImage, error) {
	out, err := d.docker(ctx, d.r.c.Puller.User, nil, "image", "inspect", "--format", "{{json .}}", ref)
	if err != nil {
		return dockerImage{}, fmt.Errorf("inspecting %s: %w", ref, err)
	}
	var img dockerImage
	if err := json.Unmarshal(out, &img); err != nil {
		return dockerImage{}, fmt.Errorf("reading docker image inspect output for %s: %w", ref, err)
	}
	return img, nil
}

// dockerDenied reports whether a failed docker command was refused by the
// registry or proxy.
func dockerDenied(err error) bool {
	s := strings.ToLower(err.Error())
	for _, k := range []string{"denied", "unauthorized", "authentication required",
		"no basic auth credentials", "http 401", "http 403", "401 unauthorized", "403 forbidden"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// rmi removes a local image name; a name that is already gone is fine.
func (d *dockerClient) rmi(ctx context.Context, ref string) error {
	_, err := d.docker(ctx, d.r.c.Pusher.User, nil, "rmi", ref)
	if err != nil && strings.Contains(strings.ToLower(err.Error()), "no such image") {
		return nil
	}
	return err
}

// remember records a local image name for cleanup.
func (d *dockerClient) remember(ref string) {
	for _, c := range d.env.created {
		if c == ref {
			return
		}
	}
	d.env.created = append(d.env.created, ref)
}

// cleanup removes the images it created and the temporary directory.
func (d *dockerClient) cleanup(ctx context.Context) []string {
	var warnings []string
	for i := len(d.env.created) - 1; i >= 0; i-- {
		if err := d.rmi(ctx, d.env.created[i]); err != nil {
			warnings = append(warnings, fmt.Sprintf("cleanup: removing local image %s: %v", d.env.created[i], err))
		}
	}
	if d.env.root != "" {
		if err := os.RemoveAll(d.env.root); err != nil {
			warnings = append(warnings, fmt.Sprintf("cleanup: removing %s: %v", d.env.root, err))
		}
	}
	return warnings
}
