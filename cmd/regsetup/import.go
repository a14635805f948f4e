package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/spec"
	"github.com/urfave/cli/v2"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "write a spec from a hand-made setup of the document (auth/httpd.conf, httpd.htpasswd, httpd.groups, certificates), keeping every bcrypt hash",
		UsageText: "regsetup import DIR [--spec FILE] [--profile secure|recipe] [--force]",
		ArgsUsage: "DIR",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "spec", Usage: "where to write the spec (default DIR/regsetup.yaml); its certificate paths are relative to it"},
			&cli.StringFlag{Name: "profile", Value: "secure", Usage: "secure: the same access with the secure profile's fixes; recipe: your httpd.conf again, byte for byte"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing spec file (without it, import never does: exit 5)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%w: import takes one folder, got %d arguments", errUsage, c.NArg())
			}
			dir, profile := c.Args().First(), c.String("profile")
			if profile != "secure" && profile != "recipe" {
				return fmt.Errorf("%w: --profile %q: want secure or recipe", errUsage, profile)
			}
			path := c.String("spec")
			if path == "" {
				path = filepath.Join(dir, "regsetup.yaml")
			}
			im, err := spec.Import(dir, spec.ImportOptions{Profile: profile, SpecDir: filepath.Dir(path)})
			if err != nil {
				return err
			}
			if err := writeSpec(path, im.YAML, c.Bool("force")); err != nil {
				return err
			}
			for _, n := range im.Notes {
				fmt.Fprintf(c.App.ErrWriter, "note: %s\n", n)
			}
			next := "regsetup init --spec " + path
			if !sameDir(filepath.Dir(path), dir) {
				next += " --out " + dir
			}
			if profile == "secure" || im.Lossy { // other files than the hand-made ones
				next += " --force (a hand-made auth/ is kept whole as auth.before-regsetup)"
			}
			fmt.Fprintf(c.App.Writer, "wrote %s: next, %s\n", path, next)
			return nil
		},
	}
}

// specExistsError: import would replace a spec file a person may have
// edited; like init, it does so only with --force (exit 5).
type specExistsError struct{ path string }

func (e specExistsError) Error() string {
	return fmt.Sprintf("%s already exists: import replaces a spec only with --force", e.path)
}
func (e specExistsError) Unwrap() error { return outdir.ErrEdited }

// writeSpec writes the spec whole or not at all (a temporary file in the
// same folder, then a link or a rename): without force, never over an
// existing file, even one created meanwhile.
func writeSpec(path string, data []byte, force bool) error {
	if _, err := os.Lstat(path); err == nil && !force {
		return specExistsError{path}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".regsetup-import-*")
	if err != nil {
		return fmt.Errorf("writing the spec: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data) // CreateTemp's mode is 0600: the spec holds the hashes
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing the spec %s: %w", path, err)
	}
	if force {
		err = os.Rename(tmp.Name(), path)
	} else if err = os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return specExistsError{path}
	}
	if err != nil {
		return fmt.Errorf("writing the spec %s: %w", path, err)
	}
	return nil
}

// sameDir reports whether a and b name the same folder.
func sameDir(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
