package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Read limits: far above any real file of the kind, so that /dev/zero or a
// huge file named by mistake ends in an error, not in memory exhaustion.
const (
	maxSpecBytes     = 64 << 20 // thousands of users and groups fit
	maxPEMBytes      = 1 << 20  // a certificate chain or a key
	maxPasswordBytes = 4 << 10  // bcrypt uses 72 bytes
)

var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = errors.New("too large")
)

// readRegular reads a regular file of at most limit bytes. It opens without
// blocking, so a FIFO with no writer cannot hang it, and refuses anything
// but a regular file (a device such as /dev/zero or /dev/urandom never
// ends). Errors never carry the path: the caller names the file (or, for a
// secret field, the field) itself.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, bare(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, bare(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", errNotRegular, kind(st.Mode()))
	}
	return readAtMost(f, limit)
}

// readAtMost reads r to its end, or fails once it passes limit bytes.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, bare(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w (more than %d bytes)", errTooLarge, limit)
	}
	return data, nil
}

// bare drops the path from a file error ("open /x: permission denied"
// becomes "permission denied").
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// kind names a file type in words.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}
