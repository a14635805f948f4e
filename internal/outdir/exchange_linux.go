package outdir

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange swaps the paths a and b atomically (renameat2 with
// RENAME_EXCHANGE). It wraps errors.ErrUnsupported when the kernel or the
// file system cannot.
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
		return errors.Join(errors.ErrUnsupported, err)
	}
	return err
}
