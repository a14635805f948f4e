package verify

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML form of a Report.
type (
	junitSuites struct {
		XMLName xml.Name     `xml:"testsuites"`
		Suites  []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name      string      `xml:"name,attr"`
		Tests     int         `xml:"tests,attr"`
		Failures  int         `xml:"failures,attr"`
		Errors    int         `xml:"errors,attr"`
		Skipped   int         `xml:"skipped,attr"`
		Time      string      `xml:"time,attr"`
		Timestamp string      `xml:"timestamp,attr,omitempty"`
		Cases     []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		Skipped   *junitProblem `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Body    string `xml:",chardata"`
	}
)

// WriteJUnit writes the report as JUnit XML: one testsuite, a testcase per
// step (classname "verify") and per matrix cell (classname "verify.matrix").
// A step that could not run is an <error>, a failed one a <failure>.
func WriteJUnit(w io.Writer, r *Report) error {
	s := junitSuite{Name: "regsetup verify " + r.Host, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
	if !r.Started.IsZero() {
		s.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, st := range r.Steps {
		c := junitCase{Name: st.Name, Classname: "verify", Time: fmt.Sprintf("%.3f", st.Duration.Seconds())}
		p := &junitProblem{Message: st.Message, Body: strings.Join(st.Details, "\n")}
		switch st.Status {
		case StatusFail:
			c.Failure = p
		case StatusError:
			c.Error = p
		case StatusSkip:
			c.Skipped = p
		default:
			c.SystemOut = st.Message
		}
		s.Cases = append(s.Cases, c)
	}
	if r.Matrix != nil {
		s.Cases = append(s.Cases, matrixCases(r.Matrix)...)
	}
	for _, c := range s.Cases {
		s.Tests++
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	return nil
}

// matrixCases is one testcase per matrix cell, named e.g.
// "anonymous OPTIONS /v2/".
func matrixCases(m *Matrix) []junitCase {
	var out []junitCase
	for _, row := range m.Rows {
		for _, c := range row.Cells {
			jc := junitCase{Name: fmt.Sprintf("%s %s %s", row.Identity, c.Method, DisplayPath(row.Path)), Classname: "verify.matrix", Time: "0.000"}
			msg := row.Explain(c)
			switch {
			case c.Failed():
				jc.Failure = &junitProblem{Message: msg}
			case c.Result == CellSkipped:
				jc.Skipped = &junitProblem{Message: msg}
			}
			out = append(out, jc)
		}
	}
	return out
}
