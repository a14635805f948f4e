package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/model"
)

// isInclude reports whether dir was rendered for an existing Apache
// (apache.mode: include): status needs no spec, so it asks the folder.
func isInclude(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(generator.IncludeLocation)))
	return err == nil
}

// statusInclude reports the registry alone: the user's Apache is not
// regsetup's, so what it loaded is unknown and not compared. The password
// and group files are read per request; a changed snippet needs the user's
// own graceful reload (or `up --reload-apache`).
func statusInclude(ctx context.Context, o Options, c *Compose, cs map[string]*Container, set string) (*Status, error) {
	ct := cs["registry"]
	if ct == nil {
		ct = &Container{Service: "registry", State: "missing"}
	}
	st := &Status{Services: []*Container{ct}, Current: set}
	if !ct.Running() {
		return st, fmt.Errorf("%w: registry is %s", ErrNotRunning, ct.State)
	}
	if err := probeSocket(ctx, socketClient(filepath.Join(o.Dir, filepath.FromSlash(model.Socket)))); err != nil {
		return st, fmt.Errorf("%w: the registry's socket does not answer: %w", ErrNotRunning, err)
	}
	st.InForce = true
	return st, nil
}
