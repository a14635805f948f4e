package main

import (
	"fmt"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/urfave/cli/v2"
)

func stackFlags() []cli.Flag {
	return append(pathFlags(),
		&cli.StringFlag{Name: "compose", EnvVars: []string{"REGSETUP_COMPOSE"}, Usage: "compose `CMD` (default: `docker compose` if present, else docker-compose)"},
		&cli.StringFlag{Name: "project", Usage: "compose project `NAME` (default: from the output folder)"},
	)
}

func stackOptions(c *cli.Context) app.StackOptions {
	return app.StackOptions{
		Paths: paths(c), Compose: c.String("compose"), Project: c.String("project"),
		Timeout: c.Duration("timeout"), SkipConfigTest: c.Bool("skip-config-test"),
		ReloadApache: c.Bool("reload-apache"),
		Progress: func(s string) {
			fmt.Fprintf(c.App.ErrWriter, "regsetup: %s\n", s)
		},
	}
}

func upCommand() *cli.Command {
	return &cli.Command{
		Name:      "up",
		Usage:     "render if needed, then start the stack or apply the changes to the running one (graceful reload), and wait until it answers",
		UsageText: "regsetup up [--spec FILE] [--out DIR] [--compose CMD] [--timeout 60s] [--json]",
		Flags: append(append(stackFlags(), startFlags()...),
			&cli.BoolFlag{Name: "json", Usage: "print what up did as JSON"},
			&cli.BoolFlag{Name: "reload-apache", Usage: "apache.mode include: reload your Apache gracefully (apache2ctl graceful or httpd -k graceful) after starting the registry"}),
		Action: func(c *cli.Context) error {
			res, err := app.Up(c.Context, stackOptions(c))
			if c.Bool("json") {
				return printUpJSON(c, res, err)
			}
			if err != nil {
				return err
			}
			return printUp(c, res)
		},
	}
}

// upDocument is what up --json prints, on success and on failure: the
// outcome, then what up did to each service (as far as it got).
type upDocument struct {
	outcome
	*deploy.Result
}

// printUpJSON prints one upDocument for the run that returned res and err,
// and returns err.
func printUpJSON(c *cli.Context, res *app.UpResult, err error) error {
	doc := upDocument{outcome: outcomeOf(err)}
	if res != nil {
		doc.Result = res.Result
	}
	if werr := writeJSON(c.App.Writer, doc); werr != nil {
		return werr
	}
	return err
}

// printUp writes one line per service (what up did to it, and why), the
// set in force and the URL that answers.
func printUp(c *cli.Context, res *app.UpResult) error {
	out := c.App.Writer
	for _, n := range res.Notes {
		fmt.Fprintf(c.App.ErrWriter, "note: %s\n", n)
	}
	if res.Command != "" { // nothing applied (kubernetes without a cluster): what to run
		fmt.Fprintln(out, res.Command)
		return nil
	}
	for _, s := range res.Services {
		line := fmt.Sprintf("%-10s %s", s.Action, s.Service)
		if s.Reason != "" {
			line += " (" + s.Reason + ")"
		}
		fmt.Fprintln(out, line)
	}
	if res.Set != "" {
		fmt.Fprintf(out, "in force: auth/%s\n", res.Set)
	}
	m := res.Init.Model
	if m.Deploy.OnKubernetes() {
		fmt.Fprintln(out, "up: applied; the pods roll out in the cluster (regsetup status shows how far)")
		return nil
	}
	if m.Apache.Include {
		fmt.Fprintf(out, "up: the registry answers on %s; your Apache serves https://%s:%d/v2/\n", app.RegistrySocket(m), m.Domain, m.Port)
		return nil
	}
	if len(res.Endpoints) > 0 {
		for _, ep := range res.Endpoints {
			fmt.Fprintf(out, "up: https://%s:%d/v2/ answers through the apache task on %s\n", m.Domain, m.Port, ep.Addr)
		}
		return nil
	}
	fmt.Fprintf(out, "up: https://%s:%d/v2/ answers\n", m.Domain, m.Port)
	return nil
}

func downCommand() *cli.Command {
	return &cli.Command{
		Name:      "down",
		Usage:     "stop and remove the stack's containers and network (data/ is kept)",
		UsageText: "regsetup down [--spec FILE] [--out DIR] [--compose CMD] [--delete-data]",
		Flags: append(stackFlags(),
			&cli.BoolFlag{Name: "delete-data", Usage: "also delete the registry's images in data/"},
		),
		Action: func(c *cli.Context) error {
			if err := app.Down(c.Context, stackOptions(c), c.Bool("delete-data")); err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "down: stopped")
			return nil
		},
	}
}
