package main

import (
	"fmt"
	"os"
	"path/filepath"

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
			&cli.StringFlag{Name: "spec", Usage: "where to write the spec (default DIR/regsetup.yaml)"},
			&cli.StringFlag{Name: "profile", Value: "secure", Usage: "secure: the same access with the secure profile's fixes; recipe: your httpd.conf again, byte for byte"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing spec file"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("%w: import takes one folder, got %d arguments", errUsage, c.NArg())
			}
			dir := c.Args().First()
			im, err := spec.Import(dir, spec.ImportOptions{Profile: c.String("profile")})
			if err != nil {
				return err
			}
			path := c.String("spec")
			if path == "" {
				path = filepath.Join(dir, "regsetup.yaml")
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if c.Bool("force") {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(path, flags, 0o600)
			if err != nil {
				return fmt.Errorf("writing the spec (--force replaces it): %w", err)
			}
			if _, err := f.Write(im.YAML); err != nil {
				f.Close()
				return fmt.Errorf("writing the spec: %w", err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("writing the spec: %w", err)
			}
			for _, n := range im.Notes {
				fmt.Fprintf(c.App.ErrWriter, "note: %s\n", n)
			}
			fmt.Fprintf(c.App.Writer, "wrote %s: next, regsetup init --spec %s\n", path, path)
			return nil
		},
	}
}
