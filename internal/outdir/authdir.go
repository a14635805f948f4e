package outdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

// AuthDir is the folder Apache's config is mounted from; CurrentLink, in
// it, names the set in force.
const (
	AuthDir     = "auth"
	CurrentLink = ".current"
)

// setRE matches set folders: ".set-" and 12 hex digits.
var setRE = regexp.MustCompile(`^\.set-[0-9a-f]{12}$`)

// CurrentSet returns the name of the set folder dir/auth/.current points
// to, or "" when there is none (no auth/ yet, or an older layout).
func CurrentSet(dir string) (string, error) {
	target, err := os.Readlink(filepath.Join(dir, AuthDir, CurrentLink))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s/%s: %w", AuthDir, CurrentLink, err)
	}
	return target, nil
}

// artifact is the name of an auth/ file in its folder (auth/x -> x).
func artifact(c Change) string { return strings.TrimPrefix(c.Path, AuthDir+"/") }

func linkTarget(name string) string { return CurrentLink + "/" + name }

// intact reports whether root already is in the layout for names: .current
// points to a set folder and every name is a link through it.
func intact(root string, names []string) bool {
	target, err := os.Readlink(filepath.Join(root, CurrentLink))
	if err != nil || !setRE.MatchString(target) {
		return false
	}
	if st, err := os.Stat(filepath.Join(root, target)); err != nil || !st.IsDir() {
		return false
	}
	for _, n := range names {
		if t, err := os.Readlink(filepath.Join(root, n)); err != nil || t != linkTarget(n) {
			return false
		}
	}
	return true
}

// writeSet writes changes (every auth/ file of the plan) as a new set
// folder in root: into a staging folder with a temporary name, each file
// fsynced, then renamed to its set name, which it returns.
func writeSet(root string, changes []Change) (string, []string, error) {
	tmp := filepath.Join(root, tmpName())
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return "", nil, fmt.Errorf("creating a folder for the new %s set: %w", AuthDir, err)
	}
	name, warnings, err := fillSet(root, tmp, changes)
	if err != nil {
		os.RemoveAll(tmp)
		return "", warnings, err
	}
	syncDir(root)
	pause()
	return name, warnings, nil
}

func fillSet(root, tmp string, changes []Change) (string, []string, error) {
	if err := os.Chmod(tmp, 0o755); err != nil { // whatever the umask: the daemon user reads it
		return "", nil, fmt.Errorf("creating a folder for the new %s set: %w", AuthDir, err)
	}
	var warnings []string
	for _, c := range changes {
		path := filepath.Join(tmp, artifact(c))
		if err := writeFile(path, c.file); err != nil {
			return "", warnings, fmt.Errorf("writing %s: %w", c.Path, err)
		}
		warnings = append(warnings, chgrp(path, c.Path, c.file)...)
		pause()
	}
	syncDir(tmp)
	name, err := freeSetName(root, changes)
	if err != nil {
		return "", warnings, err
	}
	if err := os.Rename(tmp, filepath.Join(root, name)); err != nil {
		return "", warnings, fmt.Errorf("creating %s/%s: %w", AuthDir, name, err)
	}
	return name, warnings, nil
}

// freeSetName is ".set-" and 12 hex digits of a digest of the set, with a
// counter mixed in when a folder of that name exists (the same content
// again, e.g. a rollback, or --force over a set edited in place): a set
// folder is never reused or written twice.
func freeSetName(root string, changes []Change) (string, error) {
	sorted := slices.Clone(changes)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for n := range 1000 {
		h := sha256.New()
		for _, c := range sorted {
			fmt.Fprintf(h, "%s\x00%d\x00", c.Path, len(c.file.Data))
			h.Write(c.file.Data)
		}
		if n > 0 {
			fmt.Fprintf(h, "\x00%d", n)
		}
		name := ".set-" + hex.EncodeToString(h.Sum(nil))[:12]
		if _, err := os.Lstat(filepath.Join(root, name)); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		} else if err != nil {
			return "", fmt.Errorf("creating a set folder in %s: %w", AuthDir, err)
		}
	}
	return "", fmt.Errorf("creating a set folder in %s: too many sets of the same content", AuthDir)
}

// switchCurrent points root/.current at set with one rename(2) of a new
// link with a temporary name: every reader finds the old or the new set.
func switchCurrent(root, set string) error {
	if err := placeLink(root, CurrentLink, set); err != nil {
		return fmt.Errorf("switching %s/%s to %s: %w", AuthDir, CurrentLink, set, err)
	}
	pause()
	return nil
}

// placeLink makes root/name a link to target, atomically replacing what is
// there (a link, or a file already kept or identical; never a folder).
func placeLink(root, name, target string) error {
	return replaceAtomically(root, name, func(tmp string) error { return os.Symlink(target, tmp) })
}

// placeLinks makes every name of names in root a link through .current
// (once: links already right are left alone) and removes the links of
// artifacts no longer rendered, which would dangle.
func placeLinks(root string, names []string) error {
	for _, n := range names {
		if t, err := os.Readlink(filepath.Join(root, n)); err == nil && t == linkTarget(n) {
			continue
		}
		if err := placeLink(root, n, linkTarget(n)); err != nil {
			return fmt.Errorf("linking %s/%s to %s: %w", AuthDir, n, linkTarget(n), err)
		}
		pause()
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("reading %s: %w", AuthDir, err)
	}
	for _, e := range entries {
		n := e.Name()
		if t, err := os.Readlink(filepath.Join(root, n)); err == nil && t == linkTarget(n) && !slices.Contains(names, n) {
			if err := os.Remove(filepath.Join(root, n)); err != nil {
				return fmt.Errorf("removing the link %s/%s: %w", AuthDir, n, err)
			}
		}
	}
	return nil
}

// prune deletes the temporary entries of interrupted runs in root and,
// when sets is true, the set folders other than keep (the current set and
// the previous one).
// It deletes nothing else: a person's files stay. Failures are warnings:
// the new set is already in force.
func prune(root string, sets bool, keep ...string) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return []string{fmt.Sprintf("could not list %s to delete old sets: %v", AuthDir, err)}
	}
	var warnings []string
	for _, e := range entries {
		n := e.Name()
		if slices.Contains(keep, n) || !(sets && setRE.MatchString(n) && e.IsDir() || tmpRE.MatchString(n)) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, n)); err != nil {
			warnings = append(warnings, fmt.Sprintf("could not delete %s/%s: %v", AuthDir, n, err))
		}
	}
	return warnings
}

// updateSet puts auth (every auth/ file of the plan) in force in root: a
// folder in this layout, an empty one, or a person's folder that auth
// links to. When nothing changed and the layout is whole it only repairs
// modes and links; otherwise it writes a new set, switches .current to it
// and makes the links. Either way it deletes the sets older than the
// previous one (an interrupted run may have left one).
func updateSet(root string, auth []Change) ([]string, error) {
	names := make([]string, len(auth))
	unchanged := true
	for i, c := range auth {
		names[i] = artifact(c)
		unchanged = unchanged && c.Action == Unchanged
	}
	if unchanged && intact(root, names) {
		var warnings []string
		for _, c := range auth {
			warnings = append(warnings, fixMode(filepath.Join(root, artifact(c)), c.Path, c.file)...)
		}
		if err := placeLinks(root, names); err != nil {
			return warnings, err
		}
		// A run killed between the switch and its prune left an older set.
		cur, _ := os.Readlink(filepath.Join(root, CurrentLink))
		return append(warnings, prune(root, true, cur, previousSet(root, cur))...), nil
	}
	prev, _ := os.Readlink(filepath.Join(root, CurrentLink))
	set, warnings, err := writeSet(root, auth)
	if err != nil {
		return warnings, err
	}
	if err := switchCurrent(root, set); err != nil {
		return warnings, err
	}
	if err := placeLinks(root, names); err != nil {
		return warnings, err
	}
	return append(warnings, prune(root, true, set, prev)...), nil
}

// previousSet is the newest set folder other than current (by
// modification time: a set is written once, when it is made), taken as
// the one in force before it, which an Apache mid-reload may still open;
// "" when there is none.
func previousSet(root, current string) string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return ""
	}
	prev, newest := "", time.Time{}
	for _, e := range entries {
		n := e.Name()
		if n == current || !setRE.MatchString(n) || !e.IsDir() {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().After(newest) {
			prev, newest = n, info.ModTime()
		}
	}
	return prev
}

// pruneOut deletes regsetup's leftovers of interrupted runs in OUT (this
// release's temporary entries and the previous release's). A temporary
// folder that is not regsetup's (a plain auth/ exchanged out by a run
// killed before it moved it aside) is moved to MigratedDir instead.
func pruneOut(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []string{fmt.Sprintf("could not list %s to delete leftovers: %v", dir, err)}
	}
	var warnings []string
	for _, e := range entries {
		n, path := e.Name(), filepath.Join(dir, e.Name())
		if !tmpRE.MatchString(n) && !legacyTmpRE.MatchString(n) {
			continue
		}
		if tmpRE.MatchString(n) && e.IsDir() && !inLayout(path) {
			aside, err := freeName(dir, MigratedDir)
			if err == nil {
				err = os.Rename(path, filepath.Join(dir, aside))
			}
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("an interrupted run left your old %s folder as %s; move it back or away (%v)", AuthDir, n, err))
			} else {
				warnings = append(warnings, fmt.Sprintf("an interrupted run left your old %s folder aside: it is kept as %s", AuthDir, aside))
			}
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			warnings = append(warnings, fmt.Sprintf("could not delete the leftover %s: %v", n, err))
		}
	}
	return warnings
}
