package writer

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

type state struct {
	Files map[string]string `json:"files"`
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

func (st *state) save(dir string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, StateFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", StateFile, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", StateFile, err)
	}
	return nil
}
