package depcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden" // go test ./... -update passes -update here too
)

// module is the main module's path; rules name packages relative to it.
const module = "github.com/regsetup/regsetup"

// pkg is one package as `go list -deps -json` describes it.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Standard   bool
}

// graph maps an import path to the package (non-test files only: what the
// program is built from).
type graph map[string]pkg

// loadGraph runs `go list -deps -json ./...` at the module's root.
func loadGraph(t *testing.T) graph {
	t.Helper()
	root, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,GoFiles,Imports,Standard", "./...")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	g, err := decodeGraph(strings.NewReader(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	g.touch(t)
	return g
}

// touch lists each of our package folders and stats its files, so that
// go test's cache, which does not see what go list read, reruns the test
// when a file is added or changed.
func (g graph) touch(t *testing.T) {
	t.Helper()
	for path, p := range g {
		if !strings.HasPrefix(path, module) {
			continue
		}
		if _, err := os.ReadDir(p.Dir); err != nil {
			t.Fatal(err)
		}
		for _, f := range p.GoFiles {
			if _, err := os.Stat(filepath.Join(p.Dir, f)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// decodeGraph reads the stream of JSON objects go list prints.
func decodeGraph(r io.Reader) (graph, error) {
	g := graph{}
	dec := json.NewDecoder(r)
	for {
		var p pkg
		err := dec.Decode(&p)
		if err == io.EOF {
			return g, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding go list output: %w", err)
		}
		g[p.ImportPath] = p
	}
}

// full turns a rule's name into an import path: our own packages are
// named relative to the module ("spec", "internal/app", "internal/..."),
// anything else (standard library, third party) in full.
func (g graph) full(name string) string {
	ours := module + "/" + name
	base, _ := strings.CutSuffix(ours, "/...")
	if _, ok := g[base]; ok || strings.HasSuffix(name, "/...") && g.hasPrefix(base+"/") {
		return ours
	}
	return name
}

// hasPrefix reports whether any package path starts with prefix.
func (g graph) hasPrefix(prefix string) bool {
	for path := range g {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}

// short is an import path without the module prefix, for messages.
func short(path string) string {
	if rest, ok := strings.CutPrefix(path, module+"/"); ok {
		return rest
	}
	return path
}

// matches reports whether path is banned, exactly or as a folder prefix
// when the banned name ends in "/...".
func matches(path, banned string) bool {
	if prefix, ok := strings.CutSuffix(banned, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == banned
}

// chain returns the import chain from "from" to the first package matching
// banned, or nil; it follows every import (transitive).
func (g graph) chain(from, banned string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur != from && matches(cur, banned) {
			var path []string
			for p := cur; p != ""; p = prev[p] {
				path = append(path, short(p))
			}
			slices.Reverse(path)
			return path
		}
		for _, imp := range g[cur].Imports {
			if _, seen := prev[imp]; !seen {
				prev[imp] = cur
				queue = append(queue, imp)
			}
		}
	}
	return nil
}

// noDeps returns one problem per banned package that from depends on,
// directly or through others, with the chain that brings it in.
func (g graph) noDeps(from string, banned []string) []string {
	var problems []string
	for _, b := range banned {
		if c := g.chain(g.full(from), g.full(b)); c != nil {
			problems = append(problems, fmt.Sprintf("%s must not depend on %s; it does via %s", from, b, strings.Join(c, " → ")))
		}
	}
	return problems
}

// noImports returns one problem per banned package that from imports
// directly (for packages that a dependency may legitimately bring in).
func (g graph) noImports(from string, banned []string) []string {
	var problems []string
	for _, imp := range g[g.full(from)].Imports {
		for _, b := range banned {
			if matches(imp, g.full(b)) {
				problems = append(problems, fmt.Sprintf("%s must not import %s (it imports %s)", from, b, short(imp)))
			}
		}
	}
	return problems
}

// onlyImports returns one problem per non-standard direct import of from
// that is not in allowed.
func (g graph) onlyImports(from string, allowed []string) []string {
	var problems []string
	for _, imp := range g[g.full(from)].Imports {
		if g[imp].Standard {
			continue
		}
		if !slices.ContainsFunc(allowed, func(a string) bool { return matches(imp, g.full(a)) }) {
			problems = append(problems, fmt.Sprintf("%s may import only %v outside the standard library; it imports %s", from, allowed, short(imp)))
		}
	}
	return problems
}

// modulePackages lists our own packages in the graph, module-relative.
func (g graph) modulePackages() []string {
	var names []string
	for path := range g {
		if rest, ok := strings.CutPrefix(path, module+"/"); ok {
			names = append(names, rest)
		}
	}
	slices.Sort(names)
	return names
}

// writeFile writes a test input or fails the test.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
