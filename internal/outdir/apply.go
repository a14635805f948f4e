package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/regsetup/regsetup/generator"
)

// Apply writes the plan. Edited files make it fail before anything is
// written, unless force is set; then a copy of each edited file is kept
// next to it (NAME.before-regsetup) and a warning says where. The auth/
// files are switched as one set (authdir.go, migrate.go); other files go to
// temporary files first and are renamed into place once all are on disk.
// Warnings (a group that could not be set, a copy kept) are returned, not
// printed. The caller holds Lock.
func (p *Plan) Apply(force bool) (warnings []string, err error) {
	if edited := p.Edited(); len(edited) > 0 && !force {
		return nil, fmt.Errorf("%w: %s (keep your changes, or run with --force to replace them)", ErrEdited, strings.Join(edited, ", "))
	}
	if err := os.MkdirAll(filepath.Join(p.Dir, generator.DataDir), 0o755); err != nil {
		return nil, fmt.Errorf("creating the data folder: %w", err)
	}
	lay, err := inspect(p.Dir)
	if err != nil {
		return nil, err
	}
	warnings = pruneOut(p.Dir)
	auth, rest := p.split()
	w, err := p.keepEdits(rest, "", "")
	warnings = append(warnings, w...)
	if err == nil && lay.inPlace() {
		w, err = p.keepEdits(auth, filepath.Join(p.Dir, AuthDir), AuthDir+"/")
		warnings = append(warnings, w...)
	}
	if err != nil {
		return warnings, err
	}
	staged, w, err := p.stageFiles(rest)
	warnings = append(warnings, w...)
	defer func() {
		for _, s := range staged {
			os.Remove(s.tmp) // after a successful rename this is a no-op
		}
	}()
	if err != nil {
		return warnings, err
	}
	if err := p.saveStaged(); err != nil {
		return warnings, err
	}
	pause()
	w, err = p.writeAuth(lay, auth)
	warnings = append(warnings, w...)
	if err != nil {
		return warnings, err
	}
	for _, s := range staged {
		if err := os.Rename(s.tmp, s.path); err != nil {
			return warnings, fmt.Errorf("replacing %s: %w", s.path, err)
		}
		pause()
	}
	syncDir(p.Dir)
	return warnings, p.record()
}

// writeAuth puts the auth/ files in force: in place when auth/ already is
// a folder regsetup may write in, else through a migration.
func (p *Plan) writeAuth(lay layout, auth []Change) ([]string, error) {
	if len(auth) == 0 {
		return nil, nil
	}
	if lay.inPlace() {
		return updateSet(filepath.Join(p.Dir, AuthDir), auth)
	}
	return p.migrate(lay, auth)
}

// split separates the auth/ set from the other files; changes without a
// file (data/) are in neither.
func (p *Plan) split() (auth, rest []Change) {
	for _, c := range p.Changes {
		switch {
		case c.file == nil:
		case strings.HasPrefix(c.Path, AuthDir+"/"):
			auth = append(auth, c)
		default:
			rest = append(rest, c)
		}
	}
	return auth, rest
}

// keepEdits copies every edited file of changes into dst (its own folder
// when dst is "") as NAME.before-regsetup (-2, -3... when taken) before
// --force replaces it; show prefixes the copy's name in the warning.
func (p *Plan) keepEdits(changes []Change, dst, show string) ([]string, error) {
	var warnings []string
	for _, c := range changes {
		if c.Action != Edited {
			continue
		}
		src := filepath.Join(p.Dir, filepath.FromSlash(c.Path))
		to := dst
		if to == "" {
			to = filepath.Dir(src)
		}
		name, err := keepCopy(src, to)
		if err != nil {
			return warnings, fmt.Errorf("keeping a copy of the edited %s: %w", c.Path, err)
		}
		at := show
		if dst == "" {
			at = strings.TrimPrefix(filepath.ToSlash(filepath.Dir(c.Path))+"/", "./")
		}
		warnings = append(warnings, fmt.Sprintf("%s was edited: --force replaced it; your version is kept as %s%s", c.Path, at, name))
		pause()
	}
	return warnings, nil
}

// keepCopy copies the file src (following links) into the folder dst as
// BASE.before-regsetup, or -2, -3... when that is taken, and returns the
// name.
func keepCopy(src, dst string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	name, err := freeName(dst, filepath.Base(src)+".before-regsetup")
	if err != nil {
		return "", err
	}
	return name, replaceFile(dst, name, data, st.Mode().Perm())
}

// stageFiles writes the changed files of changes under temporary names
// next to their final paths and repairs the modes of unchanged ones.
func (p *Plan) stageFiles(changes []Change) (staged []staging, warnings []string, err error) {
	for _, c := range changes {
		path := filepath.Join(p.Dir, filepath.FromSlash(c.Path))
		if c.Action == Unchanged {
			warnings = append(warnings, fixMode(path, c.Path, c.file)...)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return staged, warnings, fmt.Errorf("writing %s: %w", c.Path, err)
		}
		tmp := filepath.Join(filepath.Dir(path), tmpName())
		if err := writeFile(tmp, c.file); err != nil {
			os.Remove(tmp)
			return staged, warnings, fmt.Errorf("writing %s: %w", c.Path, err)
		}
		warnings = append(warnings, chgrp(tmp, c.Path, c.file)...)
		staged = append(staged, staging{tmp: tmp, path: path})
		pause()
	}
	return staged, warnings, nil
}

type staging struct{ tmp, path string }

// newDigests are the digests of every file of the plan.
func (p *Plan) newDigests() map[string]string {
	out := map[string]string{}
	for _, c := range p.Changes {
		if c.file != nil {
			out[c.Path] = digest(c.file.Data)
		}
	}
	return out
}

// saveStaged records, before anything becomes visible, both what is on
// disk now (regsetup's own files, as found by Compute) and what is about to
// replace it, so a run killed at any point leaves a state that recognizes
// every file regsetup wrote, old or new.
func (p *Plan) saveStaged() error {
	for _, c := range p.Changes {
		if c.file != nil && (c.Action == Unchanged || c.Action == Updated) {
			p.state.Files[c.Path] = c.had
		}
	}
	p.state.Staged = p.newDigests()
	return p.state.save(p.Dir)
}

// record saves what was written and marks forced edits as replaced.
func (p *Plan) record() error {
	for k, v := range p.newDigests() {
		p.state.Files[k] = v
	}
	p.state.Staged = nil
	for i, c := range p.Changes {
		if c.Action == Edited {
			p.Changes[i].Action = Replaced
		}
	}
	return p.state.save(p.Dir)
}

// writeFile creates path with f's content, fsyncs it and sets its mode.
func writeFile(path string, f *generator.File) error {
	if err := writeSynced(path, f.Data, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, f.Mode)
}

// chgrp gives a private file to f.GID (the image's daemon group), so
// Apache's workers in the container can read it while other users cannot;
// show is the file's name in the warning when that is not allowed.
func chgrp(path, show string, f *generator.File) []string {
	if !f.Private {
		return nil
	}
	if err := os.Chown(path, -1, f.GID); err != nil {
		return []string{fmt.Sprintf("%s: could not give it to group %d (%v); Apache in the container may not read it: run init as root or `chgrp %d %s`", show, f.GID, errors.Unwrap(err), f.GID, show)}
	}
	return nil
}

// fixMode repairs the permissions of an unchanged file (through links).
func fixMode(path, show string, f *generator.File) []string {
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() == f.Mode {
		return nil
	}
	if err := os.Chmod(path, f.Mode); err != nil {
		return []string{fmt.Sprintf("%s: could not set mode %v: %v", show, f.Mode, err)}
	}
	return chgrp(path, show, f)
}

// stepPause, set only in test builds with
//
//	go build -ldflags "-X github.com/regsetup/regsetup/internal/outdir.stepPause=20ms"
//
// makes Apply sleep after each step that changes the disk, so a test that
// kills regsetup at random times lands between any two steps. Release
// builds leave it empty: no pause, and no environment variable to set one.
var stepPause string

var pauseFor, _ = time.ParseDuration(stepPause)

// pause sleeps for stepPause (normally not at all).
func pause() {
	if pauseFor > 0 {
		time.Sleep(pauseFor)
	}
}
