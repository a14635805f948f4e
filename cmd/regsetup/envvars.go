package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// envPrefix starts the environment variable of every flag: --layer-size
// is also REGSETUP_LAYER_SIZE, so a CI job can set any option in its
// environment. The flag, when given, wins; --help lists each variable.
const envPrefix = "REGSETUP_"

// envName is the environment variable of the flag called name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// withEnvVars gives every flag of every command that has none its
// REGSETUP_* variable. A flag type it does not know is a programming
// error, caught by TestEveryFlagHasAnEnvVar.
func withEnvVars(commands []*cli.Command) {
	for _, c := range commands {
		for _, f := range c.Flags {
			setEnv(f)
		}
	}
}

func setEnv(f cli.Flag) {
	name := f.Names()[0]
	var vars *[]string
	switch f := f.(type) {
	case *cli.StringFlag:
		vars = &f.EnvVars
	case *cli.BoolFlag:
		vars = &f.EnvVars
	case *cli.IntFlag:
		vars = &f.EnvVars
	case *cli.Int64Flag:
		vars = &f.EnvVars
	case *cli.DurationFlag:
		vars = &f.EnvVars
	default:
		panic(fmt.Sprintf("flag --%s: type %T has no environment variable support here", name, f))
	}
	if len(*vars) == 0 {
		*vars = []string{envName(name)}
	}
}
