package outdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// AuthDir is the folder Apache's config is mounted from: a symbolic link
// to the current versioned folder (VersionPrefix + a digest of the set).
const (
	AuthDir       = "auth"
	VersionPrefix = ".auth-"
)

// switched says what writeAuth did: keep lists the folders prune must keep.
type switched struct {
	warnings []string
	keep     []string
}

// writeAuth makes changes (every auth/ file of the plan) current as one
// set. When nothing changed and auth/ already is a link, it only repairs
// modes; otherwise it writes a new versioned folder and switches to it.
func (p *Plan) writeAuth(changes []Change) (switched, error) {
	if len(changes) == 0 {
		return switched{}, nil
	}
	cur, err := inspectAuth(p.Dir)
	if err != nil {
		return switched{}, err
	}
	if cur.kind == authLink && allUnchanged(changes) {
		var sw switched
		for _, c := range changes {
			sw.warnings = append(sw.warnings, fixMode(filepath.Join(p.Dir, filepath.FromSlash(c.Path)), c.file)...)
		}
		return sw, nil
	}
	version, warnings, err := buildVersion(p.Dir, changes, cur)
	sw := switched{warnings: warnings, keep: []string{version, cur.version(p.Dir)}}
	if err != nil {
		return sw, err
	}
	if cur.kind == authDir {
		aside, err := migrate(p.Dir, version)
		if err == nil {
			sw.warnings = append(sw.warnings, fmt.Sprintf("%s was a plain folder: it is kept as %s; %s is now a link to %s, switched atomically on each change", AuthDir, aside, AuthDir, version))
		}
		return sw, err
	}
	return sw, swapLink(p.Dir, version)
}

func allUnchanged(changes []Change) bool {
	for _, c := range changes {
		if c.Action != Unchanged {
			return false
		}
	}
	return true
}

// buildVersion writes the new set into a private staging folder, with the
// files of the current set that the plan does not know carried over, and
// renames it to its versioned name, which it returns.
func buildVersion(dir string, changes []Change, cur authState) (string, []string, error) {
	tmp, err := os.MkdirTemp(dir, stagingPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("creating a folder for the new %s set: %w", AuthDir, err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	warnings, err := fillVersion(tmp, changes, cur)
	if err != nil {
		return "", warnings, err
	}
	name, err := placeVersion(dir, tmp, versionName(changes))
	if err != nil {
		return "", warnings, err
	}
	done = true
	syncDir(dir)
	pause()
	return name, warnings, nil
}

// fillVersion writes every file of changes (and the carried-over ones)
// into the staging folder tmp and fsyncs it.
func fillVersion(tmp string, changes []Change, cur authState) ([]string, error) {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("creating a folder for the new %s set: %w", AuthDir, err)
	}
	var warnings []string
	planned := map[string]bool{}
	for _, c := range changes {
		rel := strings.TrimPrefix(c.Path, AuthDir+"/")
		planned[rel] = true
		path := filepath.Join(tmp, filepath.FromSlash(rel))
		final := filepath.Join(AuthDir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return warnings, fmt.Errorf("writing %s: %w", final, err)
		}
		if err := writeFile(path, c.file); err != nil {
			return warnings, fmt.Errorf("writing %s: %w", final, err)
		}
		warnings = append(warnings, chgrp(path, final, c.file)...)
		pause()
	}
	if cur.kind != authMissing {
		if err := carryOver(filepath.Join(cur.parent, AuthDir), tmp, planned); err != nil {
			return warnings, err
		}
	}
	syncDir(tmp)
	return warnings, nil
}

// versionName is VersionPrefix and 12 hex digits of a digest of the set.
func versionName(changes []Change) string {
	sorted := append([]Change(nil), changes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	h := sha256.New()
	for _, c := range sorted {
		fmt.Fprintf(h, "%s\x00%d\x00", c.Path, len(c.file.Data))
		h.Write(c.file.Data)
	}
	return VersionPrefix + hex.EncodeToString(h.Sum(nil))[:12]
}

// placeVersion renames the staging folder tmp to name, or to name-2,
// name-3... when a folder of that name exists (e.g. the current one, when
// --force restores a set whose files were edited in place).
func placeVersion(dir, tmp, name string) (string, error) {
	for i := 1; i < 100; i++ {
		try := name
		if i > 1 {
			try += "-" + strconv.Itoa(i)
		}
		err := os.Rename(tmp, filepath.Join(dir, try))
		if err == nil {
			return try, nil
		}
		if _, lerr := os.Lstat(filepath.Join(dir, try)); errors.Is(lerr, fs.ErrNotExist) {
			return "", fmt.Errorf("creating %s: %w", try, err)
		}
	}
	return "", fmt.Errorf("creating %s: too many folders of that name", name)
}
