package main

import (
	"io"
	"strings"
	"testing"
)

// TestEveryFlagHasAnEnvVar walks every command's flags: each has exactly
// its REGSETUP_* variable, and the command's --help lists it, so a CI job
// can set any option in its environment.
func TestEveryFlagHasAnEnvVar(t *testing.T) {
	a := newApp(io.Discard, io.Discard)
	for _, c := range a.Commands {
		t.Run(c.Name, func(t *testing.T) {
			_, help, _ := runCLI(t, c.Name, "--help")
			for _, f := range c.Flags {
				name := f.Names()[0]
				ev, ok := f.(interface{ GetEnvVars() []string })
				if !ok {
					t.Errorf("--%s (%T) cannot have an environment variable", name, f)
					continue
				}
				want := envName(name)
				if vars := ev.GetEnvVars(); len(vars) != 1 || vars[0] != want {
					t.Errorf("--%s has environment variables %q, want [%s]", name, vars, want)
				}
				if !strings.Contains(help, "[$"+want+"]") {
					t.Errorf("regsetup %s --help does not list $%s for --%s", c.Name, want, name)
				}
			}
		})
	}
}

// TestEnvVarSetsAFlag: a variable set in the environment reaches the
// command (REGSETUP_CHECK=true makes init a check: exit 4, nothing
// written), and the flag on the command line wins over it.
func TestEnvVarSetsAFlag(t *testing.T) {
	spec := quickstart(t)
	t.Setenv("REGSETUP_CHECK", "true")
	if code, stdout, stderr := runCLI(t, "init", "--spec", spec); code != exitDrift || !strings.Contains(stdout, "would be created") {
		t.Errorf("REGSETUP_CHECK=true: exit %d (want %d)\n%s%s", code, exitDrift, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "init", "--check=false", "--spec", spec); code != exitOK {
		t.Errorf("--check=false over REGSETUP_CHECK=true: exit %d: %s", code, stderr)
	}
}

// TestEnvNames pins the naming rule.
func TestEnvNames(t *testing.T) {
	for name, want := range map[string]string{"spec": "REGSETUP_SPEC", "layer-size": "REGSETUP_LAYER_SIZE", "skip-config-test": "REGSETUP_SKIP_CONFIG_TEST"} {
		if got := envName(name); got != want {
			t.Errorf("envName(%q) = %q, want %q", name, got, want)
		}
	}
}
