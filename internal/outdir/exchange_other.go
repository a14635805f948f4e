//go:build !linux

package outdir

import "errors"

// exchange is only available on Linux; elsewhere migrate falls back to two
// renames.
func exchange(a, b string) error { return errors.ErrUnsupported }
