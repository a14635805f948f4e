package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/regsetup/regsetup/generator"
)

// Apply writes the plan. Edited files make it fail before anything is
// written, unless force is set. The auth/ files are switched as one set
// (see the package doc); other files go to temporary files first and are
// renamed into place once all are on disk, so an interruption leaves at
// most stray temporary files, never a truncated file or a mixed auth set.
// Warnings (e.g. a group that could not be set) are returned, not printed.
func (p *Plan) Apply(force bool) (warnings []string, err error) {
	if edited := p.Edited(); len(edited) > 0 && !force {
		return nil, fmt.Errorf("%w: %s (keep your changes, or run with --force to replace them)", ErrEdited, strings.Join(edited, ", "))
	}
	if err := os.MkdirAll(filepath.Join(p.Dir, generator.DataDir), 0o755); err != nil {
		return nil, fmt.Errorf("creating the data folder: %w", err)
	}
	auth, rest := p.split()
	staged, warnings, err := p.stageFiles(rest)
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
	sw, err := p.writeAuth(auth)
	warnings = append(warnings, sw.warnings...)
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
	if err := p.record(); err != nil {
		return warnings, err
	}
	if len(sw.keep) > 0 { // a new set was switched in
		warnings = append(warnings, prune(p.Dir, sw.keep...)...)
	}
	return warnings, nil
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

// stageFiles writes the changed files of changes under temporary names
// next to their final paths and repairs the modes of unchanged ones.
func (p *Plan) stageFiles(changes []Change) (staged []staging, warnings []string, err error) {
	for _, c := range changes {
		path := filepath.Join(p.Dir, filepath.FromSlash(c.Path))
		if c.Action == Unchanged {
			warnings = append(warnings, fixMode(path, c.file)...)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return staged, warnings, fmt.Errorf("writing %s: %w", path, err)
		}
		tmp, w, err := stage(path, c.file)
		warnings = append(warnings, w...)
		if err != nil {
			return staged, warnings, err
		}
		staged = append(staged, staging{tmp: tmp, path: path})
		pause()
	}
	return staged, warnings, nil
}

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

type staging struct{ tmp, path string }

// stage writes f next to path under a temporary name, with its final mode.
func stage(path string, f *generator.File) (tmp string, warnings []string, err error) {
	t, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", nil, fmt.Errorf("writing %s: %w", path, err)
	}
	tmp = t.Name()
	t.Close()
	if err := writeFile(tmp, f); err != nil {
		os.Remove(tmp)
		return "", nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return tmp, chgrp(tmp, path, f), nil
}

// writeFile writes f's content to path, fsyncs it and sets its mode.
func writeFile(path string, f *generator.File) error {
	if err := writeSynced(path, f.Data, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, f.Mode)
}

// chgrp gives a private file to the daemon group, so Apache's workers in the
// container can read it while other users cannot.
func chgrp(tmp, path string, f *generator.File) []string {
	if !f.Private {
		return nil
	}
	if err := os.Chown(tmp, -1, f.GID); err != nil {
		return []string{fmt.Sprintf("%s: could not give it to group %d (%v); Apache in the container may not read it: run init as root or `chgrp %d %s`", path, f.GID, errors.Unwrap(err), f.GID, path)}
	}
	return nil
}

// fixMode repairs the permissions of an unchanged file.
func fixMode(path string, f *generator.File) []string {
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() == f.Mode {
		return nil
	}
	if err := os.Chmod(path, f.Mode); err != nil {
		return []string{fmt.Sprintf("%s: could not set mode %v: %v", path, f.Mode, err)}
	}
	return chgrp(path, path, f)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
