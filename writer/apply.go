package writer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/regsetup/regsetup/generator"
)

// Apply writes the plan. Edited files make it fail before anything is
// written, unless force is set. New content goes to temporary files first;
// only when all of them are on disk are they renamed into place, so an
// interruption leaves at most stray temporary files, never a truncated one.
// Warnings (e.g. a group that could not be set) are returned, not printed.
func (p *Plan) Apply(force bool) (warnings []string, err error) {
	if edited := p.Edited(); len(edited) > 0 && !force {
		return nil, fmt.Errorf("%w: %s (keep your changes, or run with --force to replace them)", ErrEdited, strings.Join(edited, ", "))
	}
	if err := os.MkdirAll(filepath.Join(p.Dir, "auth"), 0o755); err != nil {
		return nil, fmt.Errorf("creating the auth folder: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(p.Dir, generator.DataDir), 0o755); err != nil {
		return nil, fmt.Errorf("creating the data folder: %w", err)
	}
	var staged []staging
	defer func() {
		for _, s := range staged {
			os.Remove(s.tmp) // after a successful rename this is a no-op
		}
	}()
	for _, c := range p.Changes {
		if c.file == nil {
			continue
		}
		path := filepath.Join(p.Dir, filepath.FromSlash(c.Path))
		if c.Action == Unchanged {
			warnings = append(warnings, fixMode(path, c.file)...)
			continue
		}
		tmp, w, err := stage(path, c.file)
		warnings = append(warnings, w...)
		if err != nil {
			return warnings, err
		}
		staged = append(staged, staging{tmp: tmp, path: path})
	}
	for _, s := range staged {
		if err := os.Rename(s.tmp, s.path); err != nil {
			return warnings, fmt.Errorf("replacing %s: %w", s.path, err)
		}
	}
	syncDir(filepath.Join(p.Dir, "auth"))
	syncDir(p.Dir)
	for i, c := range p.Changes {
		if c.file != nil {
			p.state.Files[c.Path] = digest(c.file.Data)
		}
		if c.Action == Edited {
			p.Changes[i].Action = Replaced
		}
	}
	return warnings, p.state.save(p.Dir)
}

type staging struct{ tmp, path string }

// stage writes f next to path under a temporary name, with its final mode.
func stage(path string, f *generator.File) (tmp string, warnings []string, err error) {
	t, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", nil, fmt.Errorf("writing %s: %w", path, err)
	}
	tmp = t.Name()
	_, err = t.Write(f.Data)
	if err == nil {
		err = t.Sync()
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, f.Mode)
	}
	if err != nil {
		os.Remove(tmp)
		return "", nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return tmp, chgrp(tmp, path, f), nil
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
