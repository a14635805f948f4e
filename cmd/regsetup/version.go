package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is what `regsetup --version` and `regsetup version` print after
// "regsetup version ": the module version (v1.2.3 for `go install
// ...@v1.2.3`, "(devel)" for a build from a checkout), the VCS revision
// and whether the work tree had changes, and the Go release.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (built without module support)"
	}
	return versionOf(info)
}

// versionOf formats info; see version.
func versionOf(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	parts := []string{v}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		r := "revision " + rev
		if settings["vcs.modified"] == "true" {
			r += " (modified)"
		}
		parts = append(parts, r)
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, "committed "+t)
	}
	if info.GoVersion != "" {
		parts = append(parts, info.GoVersion)
	}
	return strings.Join(parts, ", ")
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, the VCS revision it was built from, and the Go release (as --version does)",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintf(c.App.Writer, "%s version %s\n", c.App.Name, c.App.Version)
			return err
		},
	}
}
