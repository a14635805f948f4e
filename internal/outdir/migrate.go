package outdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// MigratedDir is where a plain auth/ folder in none of regsetup's layouts
// (a hand-made recipe) is kept, whole, when regsetup's folder replaces it
// (auth.before-regsetup, or with -2, -3... when that exists).
const MigratedDir = "auth.before-regsetup"

// legacyRE matches the previous release's set folders in OUT
// (.auth-<12 hex>[-N]), which OUT/auth was a symlink to.
var legacyRE = regexp.MustCompile(`^\.auth-[0-9a-f]{12}(-[0-9]+)?$`)

// legacyTmpRE matches the previous release's temporary entries in OUT.
var legacyTmpRE = regexp.MustCompile(`^(\.auth-staging-.+|\.auth-link-.+|\..+\.tmp-[0-9]+|\.regsetup-state\.json\.tmp)$`)

// layoutKind is what OUT/auth is before a write.
type layoutKind int

const (
	fresh      layoutKind = iota // no auth/ yet
	current                      // a real folder in this layout (or empty): written in place
	ownLink                      // a person's link to a folder elsewhere: written in its target
	legacyLink                   // the previous release's link to OUT/.auth-<hex>/: replaced
	plain                        // a folder in none of regsetup's layouts: moved aside, replaced
)

type layout struct {
	kind layoutKind
	from string // legacyLink, plain: the old folder, whose extra files move along
}

func (l layout) inPlace() bool { return l.kind == current || l.kind == ownLink }

// inspect tells what dir/auth is, without changing it.
func inspect(dir string) (layout, error) {
	path := filepath.Join(dir, AuthDir)
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return layout{kind: fresh}, nil
	case err != nil:
		return layout{}, fmt.Errorf("reading %s: %w", path, err)
	case st.IsDir() && inLayout(path):
		return layout{kind: current}, nil
	case st.IsDir():
		return layout{kind: plain, from: path}, nil
	case st.Mode()&fs.ModeSymlink == 0:
		return layout{}, fmt.Errorf("%s is neither a folder nor a link to one: move it away", path)
	}
	target, err := os.Readlink(path)
	if err != nil {
		return layout{}, fmt.Errorf("reading %s: %w", path, err)
	}
	if isLegacy(dir, target) {
		return layout{kind: legacyLink, from: path}, nil
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return layout{}, fmt.Errorf("%s links to %s, which is not a folder: create that folder or remove the link", path, target)
	}
	return layout{kind: ownLink}, nil
}

// inLayout reports whether the folder path is regsetup's: it holds
// .current or a set, or nothing but regsetup's temporary entries.
func inLayout(path string) bool {
	entries, err := os.ReadDir(path)
	if err != nil {
		return false
	}
	ours := true
	for _, e := range entries {
		n := e.Name()
		if n == CurrentLink || setRE.MatchString(n) {
			return true
		}
		ours = ours && tmpRE.MatchString(n)
	}
	return ours
}

// isLegacy reports whether a link target names a folder .auth-<hex> in dir.
func isLegacy(dir, target string) bool {
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, target)
	}
	abs, err1 := filepath.Abs(dir)
	t, err2 := filepath.Abs(target)
	return err1 == nil && err2 == nil && filepath.Dir(t) == abs && legacyRE.MatchString(filepath.Base(t))
}

// migrate builds the whole new auth/ folder under a temporary name and
// puts it in place of what is there: nothing (fresh), the previous
// release's link, or a plain folder (kept whole as MigratedDir). It sets
// Remount when it replaced a folder a running Apache may have mounted.
func (p *Plan) migrate(lay layout, auth []Change) ([]string, error) {
	tmp := filepath.Join(p.Dir, tmpName())
	warnings, err := p.buildAuth(tmp, lay, auth)
	if err != nil {
		os.RemoveAll(tmp)
		return warnings, err
	}
	switch lay.kind {
	case fresh:
		if err := os.Rename(tmp, filepath.Join(p.Dir, AuthDir)); err != nil {
			os.RemoveAll(tmp)
			return warnings, fmt.Errorf("creating %s: %w", AuthDir, err)
		}
		syncDir(p.Dir)
		pause()
		return warnings, nil
	case legacyLink:
		target, _ := os.Readlink(filepath.Join(p.Dir, AuthDir))
		old := filepath.Join(p.Dir, tmpName())
		if err := swapIn(p.Dir, tmp, old); err != nil {
			return warnings, err
		}
		os.Remove(old) // the old link; its folder stays until PruneLegacy
		p.Remount = true
		return append(warnings, fmt.Sprintf("%s is now a folder of its own (it was a link to %s): Apache must be re-created once to mount it (`regsetup up` does; it then deletes the old .auth-* folders)", AuthDir, target)), nil
	}
	aside, err := freeName(p.Dir, MigratedDir)
	if err == nil {
		err = swapIn(p.Dir, tmp, filepath.Join(p.Dir, aside))
	}
	if err != nil {
		return warnings, err
	}
	p.Remount = true
	return append(warnings, fmt.Sprintf("%s was a folder regsetup did not make: it is kept, whole, as %s; the new %s switches sets atomically, and Apache must be re-created once to mount it (`regsetup up` does)", AuthDir, aside, AuthDir)), nil
}

// buildAuth makes tmp a complete auth/ folder: a person's extra files from
// the old folder (hard links), copies of edited files (the previous
// release's layout; a plain folder is kept whole instead), one set,
// .current and the links.
func (p *Plan) buildAuth(tmp string, lay layout, auth []Change) ([]string, error) {
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("creating the new %s folder: %w", AuthDir, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("creating the new %s folder: %w", AuthDir, err)
	}
	var warnings []string
	if lay.kind == legacyLink {
		w, err := p.keepEdits(auth, tmp, AuthDir+"/")
		if warnings = w; err != nil {
			return warnings, err
		}
	}
	if lay.from != "" {
		if err := p.carryExtras(lay.from, tmp, auth); err != nil {
			return warnings, err
		}
	}
	set, w, err := writeSet(tmp, auth)
	warnings = append(warnings, w...)
	if err != nil {
		return warnings, err
	}
	if err := switchCurrent(tmp, set); err != nil {
		return warnings, err
	}
	names := make([]string, len(auth))
	for i, c := range auth {
		names[i] = artifact(c)
	}
	if err := placeLinks(tmp, names); err != nil {
		return warnings, err
	}
	syncDir(tmp)
	return warnings, nil
}

// swapIn puts the folder tmp at dir/auth and what was there at old: one
// renameat2(RENAME_EXCHANGE), then a rename of the old entry (now at tmp)
// to old. Where the file system cannot exchange, two renames (auth to old,
// tmp to auth): a kill between them leaves no auth/ for a moment, which the
// next run makes afresh (the old folder is whole at old).
func swapIn(dir, tmp, old string) error {
	auth := filepath.Join(dir, AuthDir)
	err := exchangeFunc(tmp, auth)
	if err == nil {
		syncDir(dir)
		pause()
		if err := os.Rename(tmp, old); err != nil {
			return fmt.Errorf("moving the old %s to %s: %w", AuthDir, filepath.Base(old), err)
		}
		syncDir(dir)
		pause()
		return nil
	}
	if !errors.Is(err, errors.ErrUnsupported) {
		os.RemoveAll(tmp)
		return fmt.Errorf("replacing %s by the new folder: %w", AuthDir, err)
	}
	if err := os.Rename(auth, old); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("moving the old %s to %s: %w", AuthDir, filepath.Base(old), err)
	}
	syncDir(dir)
	pause()
	if err := os.Rename(tmp, auth); err != nil {
		return fmt.Errorf("moving the new %s folder in place: %w", AuthDir, err)
	}
	syncDir(dir)
	pause()
	return nil
}

// exchangeFunc is exchange; tests replace it to exercise the fallback.
var exchangeFunc = exchange

// carryExtras hard-links the entries of the old folder from that regsetup
// did not write (a person's own files) into the new folder to.
func (p *Plan) carryExtras(from, to string, auth []Change) error {
	entries, err := os.ReadDir(from)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a dangling link: nothing to carry
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", from, err)
	}
	planned := map[string]bool{}
	for _, c := range auth {
		planned[artifact(c)] = true
	}
	for _, e := range entries {
		n := e.Name()
		_, wrote := p.state.Files[AuthDir+"/"+n]
		if planned[n] || wrote || tmpRE.MatchString(n) || strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp-") {
			continue
		}
		if err := linkTree(filepath.Join(from, n), filepath.Join(to, n)); err != nil {
			return fmt.Errorf("carrying your %s/%s into the new folder: %w", AuthDir, n, err)
		}
	}
	return nil
}

// linkTree recreates src at dst: files as hard links (no copy, and the old
// folder keeps its own), links as links, folders entry by entry.
func linkTree(src, dst string) error {
	st, err := os.Lstat(src)
	switch {
	case err != nil:
		return err
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case st.IsDir():
		if err := os.Mkdir(dst, st.Mode().Perm()); err != nil {
			return err
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := linkTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return nil
	case st.Mode().IsRegular():
		return os.Link(src, dst)
	}
	return nil // sockets, devices and pipes have no place in a config folder
}

// PruneLegacy deletes the previous release's set folders, OUT/.auth-<hex>/,
// once OUT/auth no longer links to one, and returns warnings for what it
// could not delete. A running Apache created before the migration still
// mounts one of them: call it after Apache was re-created (`up` does). It
// takes the output folder's lock itself.
func PruneLegacy(dir string) []string {
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	unlock, err := Lock(dir)
	if err != nil {
		return []string{fmt.Sprintf("could not delete the old .auth-* folders: %v", err)}
	}
	defer unlock()
	if lay, err := inspect(dir); err != nil || lay.kind == legacyLink {
		return nil // auth/ still is (or may be) one of them
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []string{fmt.Sprintf("could not list %s to delete the old .auth-* folders: %v", dir, err)}
	}
	var warnings []string
	for _, e := range entries {
		if e.IsDir() && legacyRE.MatchString(e.Name()) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				warnings = append(warnings, fmt.Sprintf("could not delete the old %s: %v", e.Name(), err))
			}
		}
	}
	return warnings
}
