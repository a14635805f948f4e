package spec

import (
	"os"
	"path/filepath"
	"strings"
)

// path resolves a file named in the spec. A relative path starts at the
// spec's folder and must stay inside it, also after following symlinks; an
// absolute path is taken as written. Messages name the file as shown
// says.
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
		c.addf(field, "%s leaves the spec's folder; use a path inside it or an absolute path", c.shown(field, name))
		return "", false
	}
	// Absolute, so that a spec in the current folder (dir ".") compares
	// like any other: "domain.crt" is inside ".", not outside it.
	dir, err := filepath.Abs(c.dir)
	if err != nil {
		c.addf(field, "finding the spec's folder: %v", bare(err))
		return "", false
	}
	full := filepath.Join(dir, clean)
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		if os.IsNotExist(err) {
			c.addf(field, "%s does not exist", c.shown(field, name))
		} else {
			c.addf(field, "reading %s: %v", c.shown(field, name), bare(err))
		}
		return "", false
	}
	base, err := filepath.EvalSymlinks(dir)
	if err != nil {
		c.addf(field, "reading the spec's folder: %v", bare(err))
		return "", false
	}
	if real != base && !strings.HasPrefix(real, base+string(filepath.Separator)) {
		c.addf(field, "%s is a symlink that leaves the spec's folder", c.shown(field, name))
		return "", false
	}
	return full, true
}

// shown is how a message names the file a field gives: its name, quoted,
// or for a secret field (where a password may have been pasted by
// mistake) only "the file", so no part of the value is ever printed.
func (c *checker) shown(field, name string) string {
	if isSecretField(field) {
		return "the file"
	}
	return printable(name)
}
