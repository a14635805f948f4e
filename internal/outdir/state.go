package outdir

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// StateFile records what regsetup last wrote (a digest per file), to tell
// its own output from a person's edits.
const StateFile = ".regsetup-state.json"

// state is the content of StateFile. Staged holds the digests of a write
// in progress: Apply records them before it makes new files visible, so a
// run killed after the switch but before its final save does not mistake
// its own new files for a person's edits.
type state struct {
	Files  map[string]string `json:"files"`
	Staged map[string]string `json:"staged,omitempty"`
}

func loadState(dir string) (*state, error) {
	st := &state{Files: map[string]string{}}
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", StateFile, err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("reading %s: %w (delete it to start over)", StateFile, err)
	}
	if st.Files == nil {
		st.Files = map[string]string{}
	}
	return st, nil
}

// wrote reports whether regsetup wrote content with digest sum at path,
// in the last complete run or in an interrupted one.
func (st *state) wrote(path, sum string) bool {
	return st.Files[path] == sum || (st.Staged != nil && st.Staged[path] == sum)
}

// save writes the state atomically (temporary file, fsync, rename).
func (st *state) save(dir string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("writing %s: %w", StateFile, err)
	}
	if err := replaceFile(dir, StateFile, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", StateFile, err)
	}
	return nil
}

// replaceFile writes data to dir/name through a temporary file (fsync,
// rename), so readers see the old or the new content, never a part.
func replaceFile(dir, name string, data []byte, mode fs.FileMode) error {
	return replaceAtomically(dir, name, func(tmp string) error { return writeSynced(tmp, data, mode) })
}

// replaceAtomically makes dir/name what create makes at a temporary path
// beside it, with one rename(2), and fsyncs dir.
func replaceAtomically(dir, name string, create func(tmp string) error) error {
	tmp := filepath.Join(dir, tmpName())
	if err := create(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(dir)
	return nil
}

// writeSynced creates path (which must not exist) with data and fsyncs it.
func writeSynced(path string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// tmpPrefix starts the name of every temporary entry regsetup makes (in
// OUT and in auth/); tmpRE matches them, and only them, for pruning.
const tmpPrefix = ".regsetup-tmp-"

var tmpRE = regexp.MustCompile(`^\.regsetup-tmp-[0-9a-f]{16}$`)

// tmpName is a new random temporary name: no two runs, and no two steps of
// one run, share one.
func tmpName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return tmpPrefix + hex.EncodeToString(b)
}

// LockFile is the lock of the output folder (see Lock).
const LockFile = ".regsetup.lock"

// ErrLocked is returned when another run holds the output folder's lock
// for longer than Lock waits.
var ErrLocked = errors.New("another regsetup run holds the output folder")

// lockWait bounds how long Lock waits for another run; tests shorten it.
var lockWait = 60 * time.Second

// Lock takes the exclusive lock of the output folder dir (an flock on
// dir/.regsetup.lock, created with dir when missing), waiting up to 60 s
// for another run to finish. Hold it from before Compute until after
// Apply, so two runs never interleave. The kernel drops the lock when the
// process ends, even by kill -9, so a stale lock cannot block later runs.
// The lock is not reentrant: do not call Lock (or PruneLegacy) again while
// holding it.
func Lock(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return flock(f, unix.LOCK_EX)
}

// RLock takes the lock of dir shared, for a run that only reads (init
// --check): readers run side by side and wait only for a writer, so they
// never read a write half done. It creates nothing: where the lock file
// does not exist (no run of this release wrote there yet) it returns
// without locking.
func RLock(dir string) (unlock func(), err error) {
	f, err := os.Open(filepath.Join(dir, LockFile))
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return flock(f, unix.LOCK_SH)
}

// flock locks f (how: LOCK_EX or LOCK_SH), polling until lockWait has
// passed; f is closed when locking fails or on unlock.
func flock(f *os.File, how int) (func(), error) {
	deadline := time.Now().Add(lockWait)
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing the last descriptor releases the lock
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%w: %s is still locked after %v; the lock ends with the run that holds it (see who does: fuser %s)", ErrLocked, f.Name(), lockWait, f.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

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
	return "", fmt.Errorf("too many %s entries in %s: delete old ones", base, dir)
}
