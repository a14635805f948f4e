package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// rootAction runs for "regsetup" with no command (help) or with one that
// does not exist (a bad command line, exit 2, with a hint).
func rootAction(c *cli.Context) error {
	if !c.Args().Present() {
		return cli.ShowAppHelp(c)
	}
	name := c.Args().First()
	if name == "help" { // "regsetup help [COMMAND]"
		if topic := c.Args().Get(1); topic != "" {
			if c.App.Command(topic) == nil {
				return fmt.Errorf("%w: no command %q%s (see regsetup --help)", errUsage, topic, didYouMean(c.App.Commands, topic))
			}
			return cli.ShowCommandHelp(c, topic)
		}
		return cli.ShowAppHelp(c)
	}
	return fmt.Errorf("%w: unknown command %q%s (see regsetup --help)", errUsage, name, didYouMean(c.App.Commands, name))
}

// noArguments refuses words after a command, then runs before (if any): no
// command takes arguments, and a stray one is a typo (a flag without its
// "--") that must not pass silently.
func noArguments(before cli.BeforeFunc) cli.BeforeFunc {
	return func(c *cli.Context) error {
		if c.Args().Present() {
			return fmt.Errorf("%w: %s takes no arguments, got %q (see regsetup %s --help)", errUsage, c.Command.Name, c.Args().Slice(), c.Command.Name)
		}
		if before != nil {
			return before(c)
		}
		return nil
	}
}

// didYouMean is `; did you mean "init"?` for the command whose name is
// closest to typed (at most two edits away), or "" when none is close.
func didYouMean(commands []*cli.Command, typed string) string {
	var names []string
	for _, c := range commands {
		names = append(names, c.Names()...)
	}
	return closest(names, typed)
}

// closest is `; did you mean "NAME"?` for the name closest to typed (at
// most two edits away), or "" when none is close.
func closest(names []string, typed string) string {
	best, bestDist := "", 3
	for _, name := range names {
		if d := editDistance(typed, name); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance: insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
