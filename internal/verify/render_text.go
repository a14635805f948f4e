package verify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the report for people: one line per step with its time,
// the detail lines of failed steps, the access matrix, warnings and a
// summary line.
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	if r.Image == "" {
		ew.printf("regsetup verify %s (the directory only)\n", r.Host)
	} else {
		ew.printf("regsetup verify %s (client %s, image %s)\n", r.Host, r.Client, r.Image)
	}
	width := len(StepAnonymousChallenge) // the longest step name: same layout every time
	for _, s := range r.Steps {
		width = max(width, len(s.Name))
	}
	for _, s := range r.Steps {
		ew.printf("%-5s %-*s %6s  %s\n", strings.ToUpper(string(s.Status)), width, s.Name, seconds(s.Duration), s.Message)
		for _, d := range s.Details {
			ew.printf("      - %s\n", d)
		}
	}
	if r.Matrix != nil {
		ew.printf("\n")
		writeMatrixTable(ew, r.Matrix)
	}
	if !r.Footprint.zero() {
		ew.printf("registry: %s\n", r.Footprint.Summary())
	}
	for _, wn := range r.Warnings {
		ew.printf("WARNING: %s\n", wn)
	}
	t := r.Totals()
	ew.printf("\n%s: %d passed, %d failed, %d skipped, %d could not run, in %s\n",
		strings.ToUpper(string(r.Status())), t.Pass, t.Fail, t.Skip, t.Error, seconds(r.Duration))
	return ew.err
}

// writeMatrixTable writes rows identity × path, columns methods.
func writeMatrixTable(ew *errWriter, m *Matrix) {
	ew.printf("access matrix: ok = as the policy says, LEAK = reached the registry but should be denied,\n")
	ew.printf("DENY! = denied but should reach the registry, ERR = request failed, - = not sent;\n")
	ew.printf("sha256:0000... is a manifest digest that does not exist\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "IDENTITY\tPATH\t%s\n", strings.Join(m.Methods, "\t"))
	for _, row := range m.Rows {
		cells := make([]string, len(row.Cells))
		for i, c := range row.Cells {
			cells[i] = c.Short()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", row.Identity, DisplayPath(row.Path), strings.Join(cells, "\t"))
	}
	_ = tw.Flush() // errors are kept by ew
}

// seconds formats d like "0.21s".
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// errWriter keeps the first write error, so rendering code stays simple.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = fmt.Errorf("writing the report: %w", err)
	}
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
