package main

import (
	"fmt"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/urfave/cli/v2"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show whether the stack runs, which auth/ set is in force, and what on disk it has not loaded",
		UsageText: `regsetup status [--spec FILE] [--out DIR] [--project NAME] [--json]
   exit 0: running and in force; 4: running, but files on disk are not in force (run regsetup up);
   6: not running or unhealthy; 7: cannot tell (docker missing or down)`,
		Flags: append(stackFlags(), &cli.BoolFlag{Name: "json", Usage: "print the status as JSON"}),
		Action: func(c *cli.Context) error {
			st, err := app.Status(c.Context, stackOptions(c))
			if c.Bool("json") {
				if werr := writeJSON(c.App.Writer, statusDocument{outcomeOf(err), st}); werr != nil {
					return werr
				}
				return err
			}
			if st != nil {
				printStatus(c, st)
			}
			return err
		},
	}
}

// statusDocument is what status --json prints, whatever the outcome:
// exit 4 and 6 come with the status that explains them, 7 with the error
// only.
type statusDocument struct {
	outcome
	*deploy.Status
}

// printStatus writes one line per service, the sets, and the files not in
// force.
func printStatus(c *cli.Context, st *deploy.Status) {
	out := c.App.Writer
	for _, s := range st.Services {
		state := s.State
		if s.Health != "" {
			state += " (" + s.Health + ")"
		}
		if s.Desired > 0 {
			state += fmt.Sprintf(" (%d of %d tasks)", s.Tasks, s.Desired)
		}
		fmt.Fprintf(out, "%-10s %s\n", s.Service, state)
	}
	if st.Current != "" || st.Loaded != "" {
		loaded := st.Loaded
		if loaded == "" {
			loaded = "unknown"
		}
		fmt.Fprintf(out, "loaded:    auth/%s\non disk:   auth/%s\n", loaded, st.Current)
	}
	for _, ep := range st.Endpoints {
		fmt.Fprintf(out, "apache task %.12s on %s\n", ep.Task, ep.Addr)
	}
	if st.InForce {
		fmt.Fprintln(out, "in force:  the files on disk")
	}
	for _, f := range st.Differs {
		fmt.Fprintf(out, "not in force: %s\n", f)
	}
	if st.Reason != "" {
		fmt.Fprintf(out, "not in force: %s\n", st.Reason)
	}
}
