package main

import (
	"fmt"

	"github.com/regsetup/regsetup/internal/app"
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
		Progress: func(s string) {
			fmt.Fprintf(c.App.ErrWriter, "regsetup: %s\n", s)
		},
	}
}

func upCommand() *cli.Command {
	return &cli.Command{
		Name:      "up",
		Usage:     "render if needed, start the stack with Compose, wait until it answers",
		UsageText: "regsetup up [--spec FILE] [--out DIR] [--compose CMD] [--timeout 60s]",
		Flags:     append(stackFlags(), startFlags()...),
		Action: func(c *cli.Context) error {
			res, err := app.Up(c.Context, stackOptions(c))
			if err == nil {
				fmt.Fprintf(c.App.Writer, "up: https://%s:%d/v2/ answers\n", res.Model.Domain, res.Model.Port)
			}
			return err
		},
	}
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
