package main

import (
	"fmt"
	"io"

	"github.com/regsetup/regsetup/spec"
	"github.com/urfave/cli/v2"
)

func newApp(stdout, stderr io.Writer) *cli.App {
	a := &cli.App{
		Name:  "regsetup",
		Usage: "a Docker registry behind an authenticating Apache proxy, from one YAML spec",
		UsageText: `regsetup example > regsetup.yaml      # a commented starter spec
   regsetup init --spec regsetup.yaml    # render auth/, data/, docker-compose.yml
   regsetup init --check                 # exit 4 if the files differ from the spec
   regsetup up && regsetup verify        # start the stack, then prove it works
   regsetup down                         # stop it (data/ is kept)`,
		Version:              version(),
		EnableBashCompletion: true, // the hidden --generate-bash-completion the completion scripts ask
		Writer:               stdout,
		ErrWriter:            stderr,
		HideHelpCommand:      true,
		Commands: []*cli.Command{
			exampleCommand(),
			initCommand(),
			importCommand(),
			upCommand(),
			downCommand(),
			statusCommand(),
			verifyCommand(),
			versionCommand(),
			completionCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // run maps errors to exit codes
		OnUsageError:   usageError,
		Action:         rootAction,
	}
	for _, c := range a.Commands {
		c.OnUsageError = usageError
		if c.ArgsUsage == "" { // a command that names no arguments takes none
			c.Before = noArguments(c.Before)
		}
	}
	withEnvVars(a.Commands)
	return a
}

// usageError marks a bad command line (exit 2) without printing the help
// text to stdout, which scripts read.
func usageError(_ *cli.Context, err error, _ bool) error {
	return fmt.Errorf("%w: %w (see --help)", errUsage, err)
}

// startFlags are how up (and init --up) start the stack.
func startFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "timeout", Usage: "how long to wait for the proxy to answer (and for a reload); default 60s, 3m with deploy.target swarm (a rolling update)"},
		&cli.BoolFlag{Name: "skip-config-test", Usage: "do not check httpd.conf with httpd -t before starting"},
	}
}

// pathFlags are --spec and --out, shared by every command.
func pathFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "spec", Value: "regsetup.yaml", EnvVars: []string{"REGSETUP_SPEC"}, Usage: "the spec `FILE`"},
		&cli.StringFlag{Name: "out", EnvVars: []string{"REGSETUP_OUT"}, Usage: "output `DIR` (default: the spec's folder)"},
	}
}

func exampleCommand() *cli.Command {
	return &cli.Command{
		Name:  "example",
		Usage: "print a commented starter spec",
		Action: func(c *cli.Context) error {
			_, err := c.App.Writer.Write(spec.Starter)
			return err
		},
	}
}
