// Package writer puts rendered artifacts on disk: it plans what would
// change, refuses to overwrite a file a person edited since regsetup last
// wrote it, and writes atomically (temporary file, fsync, rename) and only
// what changed. It never deletes anything.
package writer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
}

// Plan is every change init would make in Dir.
type Plan struct {
	Dir     string
	Changes []Change
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
		a, err := classify(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data, st.Files[f.Path])
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, Change{Path: f.Path, Action: a, file: f})
	}
	a := Unchanged
	if _, err := os.Stat(filepath.Join(dir, generator.DataDir)); errors.Is(err, fs.ErrNotExist) {
		a = Created
	}
	p.Changes = append(p.Changes, Change{Path: generator.DataDir + "/", Action: a})
	return p, nil
}

func classify(path string, want []byte, recorded string) (Action, error) {
	have, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Created, nil
	case err != nil:
		return "", fmt.Errorf("reading %s: %w", path, err)
	case bytes.Equal(have, want):
		return Unchanged, nil
	case recorded != "" && recorded == digest(have):
		return Updated, nil
	}
	return Edited, nil
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
