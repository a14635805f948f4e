package outdir

// TEMPORARY shim for branch deploy: the contract's API, until helper
// outdir's rewrite lands. The integrator deletes this file at merge.

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// CurrentLink is the link in OUT/auth naming the live set.
const CurrentLink = ".current"

// CurrentSet is the set folder OUT/auth/.current points to ("" if none).
func CurrentSet(dir string) (string, error) {
	t, err := os.Readlink(filepath.Join(dir, AuthDir, CurrentLink))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return filepath.Base(t), nil
}

// PruneLegacy removes what the old layout left, once nothing mounts it.
func PruneLegacy(dir string) []string { return nil }
