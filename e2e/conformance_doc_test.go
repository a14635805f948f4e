package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/golden"
)

// The list in docs/conformance.md between these markers is exactly the
// set of cases that fail on the bare registry; -update rewrites it (and
// its date) from the run.
const (
	limitsBegin = "<!-- registry-limits:begin (go test ./e2e -run 'TestConformance$' -update rewrites this list) -->"
	limitsEnd   = "<!-- registry-limits:end -->"
)

func conformanceDoc() string { return filepath.Join(golden.Root(), "docs", "conformance.md") }

// checkDocumented fails unless docs/conformance.md lists exactly the
// cases that failed directly (or rewrites its list with -update).
func checkDocumented(t *testing.T, failed []string) {
	t.Helper()
	data, err := os.ReadFile(conformanceDoc())
	if err != nil {
		t.Fatalf("reading the conformance doc: %v", err)
	}
	doc := string(data)
	i, j := strings.Index(doc, limitsBegin), strings.Index(doc, limitsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no registry-limits markers", conformanceDoc())
	}
	block := doc[i+len(limitsBegin) : j]
	if *golden.Update {
		var b strings.Builder
		b.WriteString("\n\nLast run: " + time.Now().UTC().Format(time.DateOnly) + " (" + itoa(len(failed)) + " cases).\n\n")
		for _, name := range failed {
			b.WriteString("- `" + name + "`\n")
		}
		b.WriteString("\n")
		writeFile(t, conformanceDoc(), []byte(doc[:i+len(limitsBegin)]+b.String()+doc[j:]))
		return
	}
	var listed []string
	for _, line := range strings.Split(block, "\n") {
		if name, ok := strings.CutPrefix(line, "- `"); ok {
			listed = append(listed, strings.TrimSuffix(name, "`"))
		}
	}
	if !equalSets(listed, failed) {
		t.Errorf("docs/conformance.md lists %d registry 2.8 limits, the direct run failed %d; they differ:\n only listed: %q\n only failed: %q\n(run go test ./e2e -run 'TestConformance$' -update and review the diff)",
			len(listed), len(failed), minus(listed, failed), minus(failed, listed))
	}
}

// minus lists the elements of a that are not in b.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var d []string
	for _, x := range a {
		if !in[x] {
			d = append(d, x)
		}
	}
	return d
}
