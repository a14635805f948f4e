package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/urfave/cli/v2"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "render the recipe's files from the spec",
		UsageText: "regsetup init [--spec FILE] [--out DIR] [--check] [--force] [--json] [--up [--verify]]",
		Flags: append(append(append(stackFlags(),
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 4 listing what would change"},
			&cli.BoolFlag{Name: "force", Usage: "replace files a person edited since regsetup wrote them"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON document: the files, and with --up and --verify their results"},
			&cli.BoolFlag{Name: "up", Usage: "then start the stack, as regsetup up does"},
			&cli.BoolFlag{Name: "verify", Usage: "with --up: then run regsetup verify"},
		), startFlags()...), verifyFlags()...),
		Action: func(c *cli.Context) error {
			if c.Bool("verify") && !c.Bool("up") {
				return fmt.Errorf("%w: --verify needs --up (or run regsetup verify)", errUsage)
			}
			if !c.Bool("json") {
				_, err := runInit(c)
				return err
			}
			doc, err := runInit(c)
			doc.finish(err, c.Bool("check"))
			if werr := writeJSON(c.App.Writer, doc); werr != nil {
				return werr
			}
			return err
		},
	}
}

// runInit renders, then with --up starts and with --verify verifies. In
// text mode it prints as it goes; under --json it collects the results.
func runInit(c *cli.Context) (initDocument, error) {
	var doc initDocument
	res, err := app.Init(app.InitOptions{Paths: paths(c), Check: c.Bool("check"), Force: c.Bool("force")})
	doc.InitResult = res
	if res != nil {
		printInit(c, res)
	}
	if err != nil || !c.Bool("up") {
		return doc, err
	}
	up, err := app.Up(c.Context, stackOptions(c))
	if up != nil && up.Result != nil {
		doc.Up = up.Result
	}
	if err == nil && !c.Bool("json") {
		err = printUp(c, up)
	}
	if err != nil || !c.Bool("verify") {
		return doc, err
	}
	rep, err := verifyRun(c)
	if !c.Bool("json") {
		return doc, printReport(c, rep, err)
	}
	// printReport writes verify's JSON (and the JUnit file): catch the
	// report to embed it in the one document.
	var buf bytes.Buffer
	w := c.App.Writer
	c.App.Writer = &buf
	err = printReport(c, rep, err)
	c.App.Writer = w
	if buf.Len() > 0 {
		doc.Verify = json.RawMessage(bytes.TrimSpace(buf.Bytes()))
	}
	return doc, err
}

func paths(c *cli.Context) app.Paths {
	return app.Paths{Spec: c.String("spec"), Out: c.String("out")}
}

// printInit writes one line per file to stdout (under --json nothing: the
// document comes at the end), and warnings and next steps to stderr.
func printInit(c *cli.Context, res *app.InitResult) {
	out, errw := c.App.Writer, c.App.ErrWriter
	for _, w := range res.Warnings {
		fmt.Fprintf(errw, "warning: %s\n", w)
	}
	if c.Bool("json") {
		return
	}
	for _, f := range res.Files {
		fmt.Fprintln(out, fileLine(f, c.Bool("check")))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(errw, "note: %s\n", n)
	}
}

// fileLine is one file's line: what happened to it ("created   PATH"),
// with --check what would ("would be created PATH"), and for a file not
// written what was planned ("not written PATH (planned: created)").
func fileLine(f app.FileResult, check bool) string {
	switch {
	case f.Done():
		return fmt.Sprintf("%-10s %s", f.Action, f.Path)
	case check:
		return fmt.Sprintf("would be %s %s", f.Planned, f.Path)
	}
	return fmt.Sprintf("%s %s (planned: %s)", f.Action, f.Path, f.Planned)
}
