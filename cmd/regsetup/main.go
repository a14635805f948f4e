// Command regsetup turns one YAML spec into a Docker registry behind an
// authenticating Apache proxy, runs it with Docker Compose, and proves that
// it works. This package only parses flags, calls package app and maps
// errors to exit codes (exitcodes.go).
package main

import (
	"io"
	"os"
)

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }

// run is the whole program, testable: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	err := newApp(stdout, stderr).Run(args)
	return report(err, stderr)
}
