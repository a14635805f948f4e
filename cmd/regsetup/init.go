package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/urfave/cli/v2"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "render the recipe's files from the spec",
		UsageText: "regsetup init [--spec FILE] [--out DIR] [--check] [--force] [--json] [--up [--verify]]",
		Flags: append(append(stackFlags(),
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 4 listing what would change"},
			&cli.BoolFlag{Name: "force", Usage: "replace files a person edited since regsetup wrote them"},
			&cli.BoolFlag{Name: "json", Usage: "print the result (and the verify report) as JSON"},
			&cli.BoolFlag{Name: "up", Usage: "then start the stack, as regsetup up does"},
			&cli.BoolFlag{Name: "verify", Usage: "with --up: then run regsetup verify"},
			&cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "with --up: how long to wait for the proxy"},
			&cli.BoolFlag{Name: "skip-config-test", Usage: "with --up: do not run httpd -t first"},
		), verifyFlags()...),
		Action: func(c *cli.Context) error {
			if c.Bool("verify") && !c.Bool("up") {
				return fmt.Errorf("%w: --verify needs --up (or run regsetup verify)", errUsage)
			}
			res, err := app.Init(app.InitOptions{Paths: paths(c), Check: c.Bool("check"), Force: c.Bool("force")})
			if res != nil {
				printInit(c, res)
			}
			if err != nil || !c.Bool("up") {
				return err
			}
			if _, err := app.Up(c.Context, stackOptions(c)); err != nil {
				return err
			}
			if !c.Bool("verify") {
				return nil
			}
			rep, err := verifyRun(c)
			return printReport(c, rep, err)
		},
	}
}

func paths(c *cli.Context) app.Paths {
	return app.Paths{Spec: c.String("spec"), Out: c.String("out")}
}

// printInit writes one line per file to stdout (or JSON), and warnings and
// next steps to stderr.
func printInit(c *cli.Context, res *app.InitResult) {
	out, errw := c.App.Writer, c.App.ErrWriter
	for _, w := range res.Warnings {
		fmt.Fprintf(errw, "warning: %s\n", w)
	}
	if c.Bool("json") {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.Encode(res)
		return
	}
	for _, ch := range res.Changes {
		action := string(ch.Action)
		if c.Bool("check") && ch.Action != outdir.Unchanged {
			action = "would be " + action
		}
		fmt.Fprintf(out, "%-10s %s\n", action, ch.Path)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(errw, "note: %s\n", n)
	}
}
