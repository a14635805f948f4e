package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/verify"
	"github.com/urfave/cli/v2"
)

func verifyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ca", Usage: "trust only this CA `FILE` (default: the stack's auth/domain.crt and the system roots)"},
		&cli.BoolFlag{Name: "insecure", Usage: "do not verify the TLS certificate"},
		&cli.StringFlag{Name: "resolve", Usage: "dial `HOST:PORT:ADDR` instead of resolving HOST (TLS and Host keep the domain)"},
		&cli.StringFlag{Name: "client", Value: verify.ClientGGCR, Usage: "`ggcr` (built in, no daemon) or docker (the docker CLI, one DOCKER_CONFIG per user)"},
		&cli.StringFlag{Name: "push-user", Usage: "the `USER` who pushes (default: the first user allowed to)"},
		&cli.StringFlag{Name: "pull-user", Usage: "the pull-only `USER` (default: the first user who may pull but not push)"},
		&cli.StringFlag{Name: "repo", Usage: "`REPOSITORY` for the test image (default: one per access rule, else " + verify.DefaultRepo + ")"},
		&cli.IntFlag{Name: "layers", Value: verify.DefaultLayers, Usage: "layers in the test image"},
		&cli.Int64Flag{Name: "layer-size", Value: verify.DefaultLayerSize, Usage: "`BYTES` per layer"},
		&cli.StringFlag{Name: "junit", Usage: "also write a JUnit XML report to `FILE`"},
		&cli.StringFlag{Name: "tag", Value: verify.DefaultTag, Usage: "the one `TAG` every run pushes to (runs that may overlap need their own)"},
		&cli.StringFlag{Name: "cleanup", Value: string(verify.CleanupPrevious), Usage: "`MODE`: previous (delete the last run's image where the registry allows deletes), all (this run's too), none (never delete)"},
		&cli.StringFlag{Name: "directory", Value: app.DirectoryCheck, Usage: "with auth.backend: ldap, `MODE`: check (the directory's pre-flight first), only (the pre-flight alone), skip (verify runs where the directory cannot be reached)"},
	}
}

func verifyOptions(c *cli.Context) app.VerifyOptions {
	return app.VerifyOptions{
		Paths: paths(c), CA: c.String("ca"), Insecure: c.Bool("insecure"), Resolve: c.String("resolve"),
		Client: c.String("client"), PushUser: c.String("push-user"), PullUser: c.String("pull-user"),
		Repo: c.String("repo"), Layers: c.Int("layers"), LayerSize: c.Int64("layer-size"),
		Tag: c.String("tag"), Cleanup: c.String("cleanup"), Directory: c.String("directory"), Project: c.String("project"),
	}
}

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "smoke-test the running stack: TLS, login, push, pull, a denied push, the access matrix",
		UsageText: "regsetup verify [--spec FILE] [--out DIR] [--resolve HOST:PORT:ADDR] [--json] [--junit FILE]",
		Flags: append(append(pathFlags(), verifyFlags()...),
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
			&cli.StringFlag{Name: "project", Usage: "deploy.target swarm: the stack `NAME` (default: from the output folder, as up names it)"}),
		Action: func(c *cli.Context) error {
			rep, err := verifyRun(c)
			return printReport(c, rep, err)
		},
	}
}

// verifyRun runs verify with the command line's options; a bad option
// value is a usage error (exit 2), not a check that could not run.
func verifyRun(c *cli.Context) (*verify.Report, error) {
	rep, err := app.Verify(c.Context, verifyOptions(c))
	if errors.Is(err, app.ErrBadOption) {
		return rep, fmt.Errorf("%w: %w (see --help)", errUsage, err)
	}
	return rep, err
}

// printReport writes the report (text or JSON) and the JUnit file, and
// returns err for the exit code.
func printReport(c *cli.Context, rep *verify.Report, err error) error {
	if rep == nil {
		return err
	}
	write := verify.WriteText
	if c.Bool("json") {
		write = verify.WriteJSON
	}
	if werr := write(c.App.Writer, rep); werr != nil {
		return werr
	}
	if path := c.String("junit"); path != "" {
		f, ferr := os.Create(path)
		if ferr != nil {
			return fmt.Errorf("writing the JUnit report: %w", ferr)
		}
		defer f.Close()
		if werr := verify.WriteJUnit(f, rep); werr != nil {
			return fmt.Errorf("writing the JUnit report: %w", werr)
		}
	}
	if err != nil && rep != nil {
		return silentError{err} // the report already says what failed
	}
	return err
}
