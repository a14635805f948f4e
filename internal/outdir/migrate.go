package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// MigratedDir is where a plain auth/ folder is kept when it is replaced by
// the link (auth.before-regsetup, or with -2, -3... when that exists).
const MigratedDir = "auth.before-regsetup"

// migrate replaces the plain folder dir/auth by a link to version and
// returns the name the folder is kept under. It creates the link under
// that name and exchanges the two with renameat2(RENAME_EXCHANGE): one
// atomic step. Where the file system cannot exchange, it falls back to two
// renames (folder aside, then link in): a kill between them leaves no
// auth/ at all (the old set is whole in the kept folder, the new one in
// version), which the next run repairs.
func migrate(dir, version string) (string, error) {
	aside, err := freeName(dir, MigratedDir)
	if err != nil {
		return "", err
	}
	auth, kept := filepath.Join(dir, AuthDir), filepath.Join(dir, aside)
	if err := os.Symlink(version, kept); err != nil {
		return "", fmt.Errorf("linking %s to %s: %w", AuthDir, version, err)
	}
	err = exchangeFunc(kept, auth)
	if err == nil {
		syncDir(dir)
		pause()
		return aside, nil
	}
	os.Remove(kept)
	if !errors.Is(err, errors.ErrUnsupported) {
		return "", fmt.Errorf("replacing the folder %s by a link: %w", AuthDir, err)
	}
	if err := os.Rename(auth, kept); err != nil {
		return "", fmt.Errorf("moving the folder %s to %s: %w", AuthDir, aside, err)
	}
	syncDir(dir)
	pause()
	return aside, swapLink(dir, version)
}

// exchangeFunc is exchange; tests replace it to exercise the fallback.
var exchangeFunc = exchange

// freeName is base, or base-2, base-3... whichever does not exist in dir.
func freeName(dir, base string) (string, error) {
	for i := 1; i < 1000; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		_, err := os.Lstat(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", name, err)
		}
	}
	return "", fmt.Errorf("too many %s folders in %s: delete old ones", base, dir)
}
