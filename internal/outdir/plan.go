package outdir

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/regsetup/regsetup/generator"
)

// Action is what happens to one file.
type Action string

const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	// Edited marks a file changed by someone since regsetup wrote it (or a
	// file regsetup never wrote): it is kept unless forced.
	Edited Action = "edited"
	// Replaced is an edited file overwritten with --force.
	Replaced Action = "replaced"
)

// ErrEdited is returned by Apply when a file was edited and force is off.
var ErrEdited = errors.New("files were edited since regsetup wrote them")

// Change is the plan for one path.
type Change struct {
	Path   string `json:"path"`
	Action Action `json:"action"`
	file   *generator.File
	had    string // digest of the file on disk, "" when there is none
}

// Plan is every change init would make in Dir.
type Plan struct {
	Dir     string
	Changes []Change
	// Remount is set by Apply when it replaced the folder Apache mounts
	// (a migration from the older symlinked layout or from a plain
	// hand-made auth/): a running Apache still has the old folder mounted
	// and must be re-created once.
	Remount bool
	state   *state
}

// Compute compares files with what is in dir and with what regsetup wrote
// there last time.
func Compute(dir string, files []generator.File) (*Plan, error) {
	st, err := loadState(dir)
	if err != nil {
		return nil, err
	}
	p := &Plan{Dir: dir, state: st}
	for i := range files {
		f := &files[i]
		if rel, ok := strings.CutPrefix(f.Path, AuthDir+"/"); ok && (rel == "" || strings.ContainsAny(rel, "/") || strings.HasPrefix(rel, ".")) {
			return nil, fmt.Errorf("planning %s: files in %s/ must be plain names (no folders, no leading dot)", f.Path, AuthDir)
		}
		a, had, err := classify(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data, func(sum string) bool { return st.wrote(f.Path, sum) })
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, Change{Path: f.Path, Action: a, file: f, had: had})
	}
	a := Unchanged
	if _, err := os.Stat(filepath.Join(dir, generator.DataDir)); errors.Is(err, fs.ErrNotExist) {
		a = Created
	}
	p.Changes = append(p.Changes, Change{Path: generator.DataDir + "/", Action: a})
	return p, nil
}

// classify compares the file at path with want and returns the digest of
// what is there; wrote tells whether regsetup wrote content with a given
// digest there.
func classify(path string, want []byte, wrote func(sum string) bool) (Action, string, error) {
	have, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Created, "", nil
	case err != nil:
		return "", "", fmt.Errorf("reading %s: %w", path, err)
	}
	had := digest(have)
	switch {
	case bytes.Equal(have, want):
		return Unchanged, had, nil
	case wrote(had):
		return Updated, had, nil
	}
	return Edited, had, nil
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Pending lists the changes that would write something.
func (p *Plan) Pending() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Action != Unchanged {
			out = append(out, c)
		}
	}
	return out
}

// Edited lists the files a person changed.
func (p *Plan) Edited() []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action == Edited {
			out = append(out, c.Path)
		}
	}
	return out
}
