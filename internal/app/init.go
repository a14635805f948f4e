// Package app runs regsetup's commands end to end: it joins the spec, the
// generator, the writer, deploy and verify into one call per command, so the
// CLI only parses flags and prints results. It never prints.
package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/spec"
	"golang.org/x/crypto/bcrypt"
)

// ErrDrift is returned by a check run that found files to change.
var ErrDrift = errors.New("the output differs from the spec")

// Paths locates a spec and its output folder.
type Paths struct {
	Spec string // the spec file
	Out  string // the output folder; "" means the spec's folder
}

// OutDir is the output folder.
func (p Paths) OutDir() string {
	if p.Out != "" {
		return p.Out
	}
	return filepath.Dir(p.Spec)
}

// InitOptions tune Init.
type InitOptions struct {
	Paths
	Check bool // write nothing; ErrDrift when something would change
	Force bool // replace files a person edited
	Spec  spec.Options
	Gen   generator.Options
	// Identity is who writes the files (default: this process); it
	// decides the group Apache's workers run as (workers.go).
	Identity *Identity
}

// InitResult says what Init did (or, with Check, would do).
type InitResult struct {
	Out     string `json:"out"`
	Profile string `json:"profile"`
	Check   bool   `json:"check,omitempty"`
	// Files is each file's plan and what happened to it.
	Files []FileResult `json:"files"`
	// Changes is the plan (after Apply: as applied, edits forced over
	// marked replaced).
	Changes  []outdir.Change `json:"-"`
	Notes    []string        `json:"notes,omitempty"`    // what the person should do next
	Warnings []string        `json:"warnings,omitempty"` // problems that did not stop it
	// Remount: the folder Apache mounts was replaced (a migration from an
	// older layout), so a running Apache must be re-created once.
	Remount bool         `json:"remount,omitempty"`
	Model   *model.Model `json:"-"`
}

// Init renders the spec into the output folder. A run that fails before
// it writes a file leaves no trace: an output folder it had to create for
// its lock is removed again.
func Init(o InitOptions) (*InitResult, error) {
	_, statErr := os.Stat(o.OutDir())
	res, err := render(o)
	if err != nil && errors.Is(statErr, fs.ErrNotExist) {
		removeIfOnlyLock(o.OutDir())
	}
	return res, err
}

// removeIfOnlyLock removes dir when the lock file is all it holds.
func removeIfOnlyLock(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != outdir.LockFile {
		return
	}
	os.Remove(filepath.Join(dir, outdir.LockFile))
	os.Remove(dir)
}

// render is Init's work: load, lock, render, plan, write.
func render(o InitOptions) (*InitResult, error) {
	m, err := spec.Load(o.Paths.Spec, o.Spec)
	if err != nil {
		return nil, err
	}
	out := o.OutDir()
	// One run at a time on a folder, from reading it until the state is
	// saved; a check takes the lock shared, so it never reads a write
	// half done.
	lock := outdir.Lock
	if o.Check {
		lock = outdir.RLock
	}
	unlock, err := lock(out)
	if errors.Is(err, fs.ErrPermission) {
		return nil, notYours(err)
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	prev, err := readPrevious(out)
	if err != nil {
		return nil, err
	}
	id := CurrentIdentity()
	if o.Identity != nil {
		id = *o.Identity
	}
	prevGID, err := fileGroup(filepath.Join(out, filepath.FromSlash(generator.HTPasswd)))
	if err != nil {
		return nil, err
	}
	wk := workersGroup(id, m.Profile, prevGID)
	m.DaemonGID = wk.GID
	includeNotes, err := includeTarget(m, out)
	if err != nil {
		return nil, err
	}
	files, err := generator.Render(m, prev, o.Gen)
	if err != nil {
		return nil, err
	}
	plan, err := outdir.Compute(out, files)
	if err != nil {
		return nil, err
	}
	res := &InitResult{Out: out, Profile: string(m.Profile), Check: o.Check, Changes: plan.Changes, Model: m}
	res.Files = planned(plan.Changes)
	res.Warnings = append(res.Warnings, costWarning(m.BcryptCost)...)
	res.Warnings = append(res.Warnings, m.Warnings...)
	if wk.Note != "" && !m.Apache.Include {
		res.Notes = append(res.Notes, wk.Note)
	}
	res.Notes = append(res.Notes, includeNotes...)
	if m.TLS.Generate {
		res.Notes = append(res.Notes, fmt.Sprintf("docker trusts this registry once %s is copied to /etc/docker/certs.d/%s:%d/ca.crt", filepath.Join(out, generator.Cert), m.Domain, m.Port))
	}
	if o.Check {
		if wk.Refusal != nil {
			res.Warnings = append(res.Warnings, wk.Refusal.Error())
		}
		if len(plan.Pending()) > 0 {
			return res, fmt.Errorf("checking %s: %w", out, ErrDrift)
		}
		return res, nil
	}
	if wk.Refusal != nil {
		res.Notes = nil // about files that were not written
		return res, fmt.Errorf("writing %s: %w", out, wk.Refusal)
	}
	w, err := plan.Apply(o.Force)
	res.Warnings = append(res.Warnings, w...)
	res.Remount = plan.Remount
	if err != nil {
		res.Files = written(out, files, plan.Changes)
		res.Notes = nil // about files that may not be there
		return res, fmt.Errorf("writing %s: %w", out, err)
	}
	res.Files = applied(plan.Changes)
	return res, nil
}

// readPrevious reads what an earlier run left, so unchanged hashes and a
// generated certificate and the registry's http.secret are kept.
func readPrevious(out string) (generator.Previous, error) {
	var prev generator.Previous
	for path, dst := range map[string]*[]byte{generator.HTPasswd: &prev.HTPasswd, generator.Cert: &prev.Cert, generator.Key: &prev.Key, generator.RegistryConfig: &prev.RegistryConfig} {
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(path)))
		if errors.Is(err, fs.ErrPermission) {
			return prev, notYours(fmt.Errorf("reading %s: %w", path, err))
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return prev, fmt.Errorf("reading %s: %w", path, err)
		}
		*dst = data
	}
	return prev, nil
}

// slowCost is the bcrypt cost from which init warns: Apache verifies the
// password on every request, and docker sends it on every one.
const slowCost = 10

// costWarning measures one hash at the chosen cost and says what it adds to
// each request.
func costWarning(cost int) []string {
	if cost < slowCost {
		return nil
	}
	if cost > spec.MaxBcryptCost { // allowed with allow_slow_bcrypt: too slow to measure
		return []string{fmt.Sprintf("bcrypt_cost %d: Apache checks the password on every request; each check costs about %v of CPU (estimated: cost 5 is about 2ms, each step doubles)", cost, spec.EstimatedCheck(cost).Round(time.Second))}
	}
	start := time.Now()
	if _, err := bcrypt.GenerateFromPassword([]byte("regsetup-measure"), cost); err != nil {
		return nil
	}
	took := time.Since(start).Round(time.Millisecond)
	return []string{fmt.Sprintf("bcrypt_cost %d: Apache checks the password on every request; measured here, each check costs %v of CPU (cost 5: about 2ms)", cost, took)}
}

// notYours adds the likely cause to a permission error in the output
// folder.
func notYours(err error) error {
	return fmt.Errorf("%w (another user, root perhaps, wrote this folder: run regsetup as that user, or take the folder with chown -R)", err)
}
