package depcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestErrorsWrapTheirCause fails when fmt.Errorf formats an error value
// with %v or %s: a caller's errors.Is / errors.As then no longer sees the
// cause (the typed command error, the *execx.Error). Wrap with %w; a
// sentinel and a cause are both %w.
func TestErrorsWrapTheirCause(t *testing.T) {
	g := loadGraph(t)
	files := 0
	for _, path := range g.modulePackages() {
		p := g[module+"/"+path]
		for _, f := range p.GoFiles {
			files++
			for _, problem := range unwrappedErrors(t, filepath.Join(p.Dir, f)) {
				t.Error(problem)
			}
		}
	}
	if files < 50 {
		t.Errorf("checked %d files, want the whole module's", files)
	}
}

// TestUnwrappedErrorsCatchesAPrintedCause proves the check on a file with
// one bad and two good calls.
func TestUnwrappedErrorsCatchesAPrintedCause(t *testing.T) {
	src := `package x
import "fmt"
var ErrX error
func f(err error, n int) error {
	_ = fmt.Errorf("%w: doing it: %v", ErrX, err)
	_ = fmt.Errorf("%w: %d items: %w", ErrX, n, err)
	return fmt.Errorf("doing %s: %w", "it", err)
}
`
	file := filepath.Join(t.TempDir(), "x.go")
	writeFile(t, file, src)
	got := unwrappedErrors(t, file)
	if len(got) != 1 || !strings.Contains(got[0], "x.go:5") {
		t.Errorf("problems %q, want one, on line 5", got)
	}
}

// unwrappedErrors lists the fmt.Errorf calls in file that print an error
// (an argument named err, or ending in Err or err) with %v or %s.
func unwrappedErrors(t *testing.T, file string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || !isErrorf(call) || len(call.Args) < 2 {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		format, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		for i, verb := range verbs(format) {
			if i+1 >= len(call.Args) || (verb != 'v' && verb != 's') {
				continue
			}
			if id, ok := call.Args[i+1].(*ast.Ident); ok && isErrName(id.Name) {
				problems = append(problems, fmt.Sprintf("%s: fmt.Errorf prints %s with %%%c: wrap it with %%w", fset.Position(call.Pos()), id.Name, verb))
			}
		}
		return true
	})
	return problems
}

func isErrorf(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Errorf" {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "fmt"
}

func isErrName(name string) bool {
	return name == "err" || strings.HasSuffix(name, "Err") || strings.HasSuffix(name, "err")
}

// verbs returns the verb letter of each argument-consuming directive in a
// format string, in order ("%%" consumes none; flags and widths skipped).
func verbs(format string) []rune {
	var out []rune
	rs := []rune(format)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '%' {
			continue
		}
		i++
		for i < len(rs) && strings.ContainsRune("+-# 0123456789.[]", rs[i]) {
			i++
		}
		if i < len(rs) && rs[i] != '%' {
			out = append(out, rs[i])
		}
	}
	return out
}
