package depcheck

import (
	"slices"
	"strings"
	"testing"
)

// testTools are packages only tests may use.
var testTools = []string{
	"testing/...", "net/http/httptest",
	"internal/stacktest", "internal/testenv", "internal/golden", "internal/depcheck",
	"github.com/google/go-containerregistry/pkg/registry", // the in-process registry
}

// later lists, for each stage of the flow, the stages after it (and the
// command layers above them): a stage never depends on what consumes it.
var later = map[string][]string{
	"model":            {"spec", "generator", "internal/outdir", "internal/deploy", "internal/verify", "internal/app", "internal/execx", "templates"},
	"spec":             {"generator", "internal/outdir", "internal/deploy", "internal/verify", "internal/app", "internal/execx"},
	"templates":        {"model", "spec", "generator", "internal/outdir", "internal/deploy", "internal/verify", "internal/app", "internal/execx"},
	"generator":        {"spec", "internal/outdir", "internal/deploy", "internal/verify", "internal/app", "internal/execx"},
	"internal/outdir":  {"spec", "internal/deploy", "internal/verify", "internal/app", "internal/execx"},
	"internal/deploy":  {"spec", "internal/verify", "internal/app"},
	"internal/verify":  {"spec", "gopkg.in/yaml.v3", "internal/app", "generator", "internal/outdir"},
	"internal/execx":   {"model", "spec", "generator", "internal/outdir", "internal/deploy", "internal/verify", "internal/app"},
	"internal/tlsdial": {"model", "spec", "generator", "internal/outdir", "internal/deploy", "internal/verify", "internal/app", "internal/execx"},
	"internal/app":     {"cmd/regsetup"},
	"internal/testenv": {"internal/stacktest"},
}

// direct bans imports a package must not make itself (a dependency may
// still use them: compose-go's types bring in os/exec and net).
var direct = map[string][]string{
	// The renderer returns bytes: no processes, no network, no files. (It
	// may import net for its address type: x509's IP subjectAltNames.)
	"generator": {"os/exec", "net/http", "internal/execx"},
	// The command parses flags and maps errors; the work happens in app.
	"cmd/regsetup": {"os/exec", "net", "net/http", "crypto/...", "gopkg.in/yaml.v3", "generator", "model", "internal/execx"},
}

// cmdAllowed is what cmd/regsetup may import outside the standard library:
// app does the work; spec, outdir, deploy and verify only for the sentinel
// errors the exit-code table maps (and verify's report writers).
var cmdAllowed = []string{
	"internal/app", "spec", "internal/outdir", "internal/deploy", "internal/verify",
	"github.com/urfave/cli/v2",
}

// notInTheTool are dependencies of the benchmark that the tool must not have.
var notInTheTool = []string{
	"github.com/regsetup/regsetup/tools/...",
	"golang.org/x/image/...",
}

func TestImports(t *testing.T) {
	g := loadGraph(t)
	for from := range later {
		if _, ok := g[g.full(from)]; !ok {
			t.Errorf("rule for %s: no such package (renamed? update the rules)", from)
		}
	}
	check := func(t *testing.T, problems []string) {
		t.Helper()
		for _, p := range problems {
			t.Error(p)
		}
	}
	t.Run("flow", func(t *testing.T) {
		for _, from := range sortedKeys(later) {
			check(t, g.noDeps(from, later[from]))
		}
	})
	t.Run("direct", func(t *testing.T) {
		for _, from := range sortedKeys(direct) {
			check(t, g.noImports(from, direct[from]))
		}
	})
	t.Run("libraries-without-test-tools", func(t *testing.T) {
		libs := 0
		for _, p := range g.modulePackages() {
			if slices.Contains(testTools, p) || p == "e2e" {
				continue
			}
			libs++
			check(t, g.noDeps(p, testTools))
		}
		if libs < 8 {
			t.Errorf("checked %d library packages, want the product's (spec, model, generator, ...)", libs)
		}
	})
	t.Run("cmd-only-app", func(t *testing.T) {
		check(t, g.onlyImports("cmd/regsetup", cmdAllowed))
		check(t, g.noDeps("cmd/regsetup", notInTheTool))
	})
}

// TestChecksCatchBadImports proves each check reports a deliberate bad
// import, with the chain that brings it in.
func TestChecksCatchBadImports(t *testing.T) {
	g := graph{
		module + "/model":            {ImportPath: module + "/model", Imports: []string{"strings"}},
		module + "/spec":             {ImportPath: module + "/spec", Imports: []string{module + "/model", "gopkg.in/yaml.v3"}},
		module + "/internal/verify":  {ImportPath: module + "/internal/verify", Imports: []string{module + "/internal/execx"}},
		module + "/internal/execx":   {ImportPath: module + "/internal/execx", Imports: []string{module + "/spec"}}, // the bad edge
		module + "/internal/testenv": {ImportPath: module + "/internal/testenv", Imports: []string{"testing"}},
		module + "/generator":        {ImportPath: module + "/generator", Imports: []string{"os/exec", module + "/internal/testenv"}},
		module + "/cmd/regsetup":     {ImportPath: module + "/cmd/regsetup", Imports: []string{"fmt", module + "/model", "golang.org/x/image/font"}},
		"strings":                    {ImportPath: "strings", Standard: true},
		"fmt":                        {ImportPath: "fmt", Standard: true},
		"os/exec":                    {ImportPath: "os/exec", Standard: true},
		"testing":                    {ImportPath: "testing", Standard: true},
		"gopkg.in/yaml.v3":           {ImportPath: "gopkg.in/yaml.v3"},
		"golang.org/x/image/font":    {ImportPath: "golang.org/x/image/font"},
	}
	tests := []struct {
		name     string
		problems []string
		want     string
	}{
		{"transitive", g.noDeps("internal/verify", []string{"spec", "gopkg.in/yaml.v3"}), "internal/verify → internal/execx → spec"},
		{"transitive-third-party", g.noDeps("internal/verify", []string{"gopkg.in/yaml.v3"}), "internal/execx → spec → gopkg.in/yaml.v3"},
		{"direct", g.noImports("generator", []string{"os/exec"}), "generator must not import os/exec"},
		{"test-tool", g.noDeps("generator", testTools), "generator → internal/testenv → testing"},
		{"only", g.onlyImports("cmd/regsetup", cmdAllowed), "it imports model"},
		{"tool-deps", g.noDeps("cmd/regsetup", notInTheTool), "cmd/regsetup → golang.org/x/image/font"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.ContainsFunc(tt.problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %q, want one containing %q", tt.problems, tt.want)
			}
		})
	}
	if p := g.noDeps("spec", []string{"internal/verify"}); p != nil {
		t.Errorf("spec does not depend on verify, got %q", p)
	}
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
