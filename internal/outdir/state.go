package outdir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
		return err
	}
	path := filepath.Join(dir, StateFile)
	tmp := path + ".tmp"
	if err := writeSynced(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", StateFile, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", StateFile, err)
	}
	syncDir(dir)
	return nil
}

// writeSynced creates (or truncates) path with data and fsyncs it.
func writeSynced(path string, data []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
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
