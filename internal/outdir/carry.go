package outdir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// carryOver copies the entries of the current auth folder src that the
// plan does not write (a person's extra files) into the new set dst, so a
// switch loses nothing the old writer would have left in place.
func carryOver(src, dst string, planned map[string]bool) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", src, err)
	}
	for _, e := range entries {
		if planned[e.Name()] || isLeftover(e.Name()) {
			continue
		}
		if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return fmt.Errorf("carrying %s over to the new set: %w", e.Name(), err)
		}
	}
	return nil
}

// copyTree copies a file, a link or a folder (recursively), keeping modes
// and, where allowed, the group.
func copyTree(src, dst string) error {
	st, err := os.Lstat(src)
	if err != nil {
		return err
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case st.IsDir():
		return copyDir(src, dst, st.Mode().Perm())
	case st.Mode().IsRegular():
		return copyFile(src, dst, st)
	}
	return nil // sockets, devices and pipes have no place in a config folder
}

func copyDir(src, dst string, perm fs.FileMode) error {
	if err := os.Mkdir(dst, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return os.Chmod(dst, perm)
}

func copyFile(src, dst string, st fs.FileInfo) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		os.Chown(dst, -1, int(sys.Gid)) // best effort, as cp -p
	}
	return os.Chmod(dst, st.Mode().Perm())
}
