package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/regsetup/regsetup/generator"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/regsetup/regsetup/internal/outdir"
)

// LiveFile records, in the output folder, what the running Apache loaded:
// written by up after each start, re-create and reload. Apache itself
// cannot be asked which files it read, and the files on disk change under
// it (init switches the set at once), so this record is the only account
// of what was loaded; a container docker restarted since (restart policy)
// loaded the disk as it was at its start (see inForce).
const LiveFile = ".regsetup-live.json"

// ReloadFiles are the files Apache reads only at start and reload (the
// directory's bind password and CA too). The password and group files are
// read on every request and need nothing.
var ReloadFiles = []string{generator.HTTPDConf, generator.Cert, generator.Key, generator.AuthCache, generator.LDAPBindPassword, generator.LDAPCA}

// live is the content of LiveFile.
type live struct {
	Container string            `json:"container"`  // the apache container's id
	StartedAt string            `json:"started_at"` // its State.StartedAt then
	Set       string            `json:"set"`        // the set .current named
	Files     map[string]string `json:"files"`      // ReloadFiles: sha256, "" when absent
	Compose   string            `json:"compose"`    // sha256 of the compose file(s)
	Time      time.Time         `json:"time"`       // when the files were loaded
}

// disk is what the output folder holds now.
type disk struct {
	Set       string
	Files     map[string]string
	Compose   string
	ChangedAt time.Time // the newest change of a reload file (or of a link to it)
}

func readDisk(dir string, composeFile string) (disk, error) {
	d := disk{Files: map[string]string{}}
	var err error
	if d.Set, err = outdir.CurrentSet(dir); err != nil {
		return d, err
	}
	for _, f := range ReloadFiles {
		path := filepath.Join(dir, filepath.FromSlash(f))
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.Files[f] = ""
		case err != nil:
			return d, fmt.Errorf("reading %s: %w", path, err)
		default:
			d.Files[f] = digest(data)
		}
		for _, p := range []string{path, filepath.Join(dir, outdir.AuthDir, outdir.CurrentLink)} {
			if st, err := os.Lstat(p); err == nil && st.ModTime().After(d.ChangedAt) {
				d.ChangedAt = st.ModTime()
			}
		}
		if st, err := os.Stat(path); err == nil && st.ModTime().After(d.ChangedAt) {
			d.ChangedAt = st.ModTime()
		}
	}
	h := sha256.New()
	for _, f := range composeFiles(composeFile) {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return d, fmt.Errorf("reading %s: %w", f, err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	d.Compose = hex.EncodeToString(h.Sum(nil))
	return d, nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readLive(dir string) (*live, error) {
	data, err := os.ReadFile(filepath.Join(dir, LiveFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", LiveFile, err)
	}
	var l live
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, nil // unreadable: as if there were none (up reloads)
	}
	return &l, nil
}

// writeLive records that apache loaded d; atomic (temp + rename).
func writeLive(dir string, apache *Container, d disk, at time.Time) error {
	data, err := json.MarshalIndent(live{Container: apache.ID, StartedAt: apache.StartedAt, Set: d.Set, Files: d.Files, Compose: d.Compose, Time: at.UTC()}, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, LiveFile+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("recording what apache loaded: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, LiveFile)); err != nil {
		return fmt.Errorf("recording what apache loaded: %w", err)
	}
	return nil
}

// inForce compares what the running apache loaded with the disk: the
// reload files that differ (sorted), the set it loaded, and known=false
// when there is no account of what it loaded (no record, or the record is
// of another container). A container docker restarted after the last
// change on disk loaded the disk as it is.
func inForce(l *live, apache *Container, d disk) (differs []string, set string, known bool) {
	if l == nil || l.Container != apache.ID {
		return nil, "", false
	}
	if l.StartedAt != apache.StartedAt {
		started, err := time.Parse(time.RFC3339Nano, apache.StartedAt)
		if err != nil || !started.After(d.ChangedAt) {
			return nil, "", false
		}
		return nil, d.Set, true
	}
	for _, f := range ReloadFiles {
		if l.Files[f] != d.Files[f] {
			differs = append(differs, f)
		}
	}
	sort.Strings(differs)
	return differs, l.Set, true
}
