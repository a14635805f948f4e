package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// authKind is what OUT/auth is before a write.
type authKind int

const (
	authMissing authKind = iota // nothing (or a link to nothing)
	authLink                    // a symbolic link to a folder
	authDir                     // a plain folder: an older layout, or made by hand
)

// authState describes OUT/auth before a write.
type authState struct {
	kind   authKind
	parent string // the output folder
	target string // the link's target, as written in the link
}

// inspectAuth looks at dir/auth without following it.
func inspectAuth(dir string) (authState, error) {
	s := authState{parent: dir}
	path := filepath.Join(dir, AuthDir)
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return s, fmt.Errorf("reading %s: %w", path, err)
	case st.IsDir():
		s.kind = authDir
		return s, nil
	case st.Mode()&fs.ModeSymlink == 0:
		return s, fmt.Errorf("%s is neither a folder nor a link to one: move it away", path)
	}
	if s.target, err = os.Readlink(path); err != nil {
		return s, fmt.Errorf("reading %s: %w", path, err)
	}
	if _, err := os.Stat(path); err == nil {
		s.kind = authLink
	}
	return s, nil
}

// version is the name of the versioned folder in dir the link points to,
// or "" when it points elsewhere (prune must keep it: it is the rollback).
func (s authState) version(dir string) string {
	if s.kind != authLink {
		return ""
	}
	t := s.target
	if !filepath.IsAbs(t) {
		t = filepath.Join(dir, t)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	if tabs, err := filepath.Abs(t); err == nil && filepath.Dir(tabs) == abs {
		return filepath.Base(tabs)
	}
	return ""
}
