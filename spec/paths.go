package spec

import (
	"os"
	"path/filepath"
	"strings"
)

// path resolves a file named in the spec. A relative path starts at the
// spec's folder and must stay inside it, also after following symlinks; an
// absolute path is taken as written.
func (c *checker) path(field, name string) (string, bool) {
	if strings.ContainsRune(name, 0) {
		c.addf(field, "path contains a NUL byte")
		return "", false
	}
	if filepath.IsAbs(name) {
		return name, true
	}
	clean := filepath.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		c.addf(field, "%s leaves the spec's folder; use a path inside it or an absolute path", printable(name))
		return "", false
	}
	// Absolute, so that a spec in the current folder (dir ".") compares
	// like any other: "domain.crt" is inside ".", not outside it.
	dir, err := filepath.Abs(c.dir)
	if err != nil {
		c.addf(field, "finding the spec's folder: %v", err)
		return "", false
	}
	full := filepath.Join(dir, clean)
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		if os.IsNotExist(err) {
			c.addf(field, "%s does not exist", printable(name))
		} else {
			c.addf(field, "reading %s: %v", printable(name), err)
		}
		return "", false
	}
	base, err := filepath.EvalSymlinks(dir)
	if err != nil {
		c.addf(field, "reading the spec's folder: %v", err)
		return "", false
	}
	if real != base && !strings.HasPrefix(real, base+string(filepath.Separator)) {
		c.addf(field, "%s is a symlink that leaves the spec's folder", printable(name))
		return "", false
	}
	return full, true
}
