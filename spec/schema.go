package spec

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkTypes walks the document beside the Spec type before it is decoded,
// so that a value of the wrong type is reported with its field path, its
// line and the expected type in YAML words (not the YAML library's
// "cannot unmarshal !!str into int"), and so that values the library would
// bend are refused: 5043.5 and 1e3 into a whole number, "yes" into true.
func checkTypes(file string, doc *yaml.Node) Errors {
	w := &typeWalker{file: file}
	if len(doc.Content) > 0 {
		w.walk(doc.Content[0], reflect.TypeFor[Spec](), "")
	}
	return w.errs
}

type typeWalker struct {
	file string
	errs Errors
	// seen: alias targets already checked as a type, so that nested
	// aliases (a "billion laughs" document) are walked once, not
	// exponentially often.
	seen map[aliasUse]bool
}

type aliasUse struct {
	n *yaml.Node
	t reflect.Type
}

var (
	principalsType = reflect.TypeFor[Principals]()
	groupsType     = reflect.TypeFor[Groups]()
	dirGroupsType  = reflect.TypeFor[DirGroups]()
)

func (w *typeWalker) walk(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind == yaml.AliasNode {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		use := aliasUse{n, t}
		if w.seen[use] {
			return
		}
		if w.seen == nil {
			w.seen = map[aliasUse]bool{}
		}
		w.seen[use] = true
	}
	if n.ShortTag() == "!!null" {
		return // unset: defaults and validation say what is missing
	}
	switch {
	case t == principalsType:
		if n.Kind == yaml.SequenceNode {
			w.list(n, reflect.TypeFor[string](), path)
		} else if n.Kind != yaml.ScalarNode || n.Value != Authenticated {
			w.wrong(n, path, fmt.Sprintf("%q or a list of groups and users", Authenticated))
		}
	case t == groupsType:
		if n.Kind != yaml.MappingNode {
			w.wrong(n, path, "a mapping of group names to lists of users")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.walk(n.Content[i+1], reflect.TypeFor[[]string](), keyPath(path, n.Content[i].Value))
		}
	case t == dirGroupsType:
		if n.Kind != yaml.MappingNode {
			w.wrong(n, path, "a mapping of names to directory group DNs")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.walk(n.Content[i+1], reflect.TypeFor[string](), keyPath(path, n.Content[i].Value))
		}
	case t.Kind() == reflect.Pointer:
		w.walk(n, t.Elem(), path)
	case t.Kind() == reflect.Struct:
		w.mapping(n, t, path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.wrong(n, path, "a list (one \"- \" item a line, or [a, b])")
			return
		}
		w.list(n, t.Elem(), path)
	case t.Kind() == reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			w.wrong(n, path, "a whole number")
		}
	case t.Kind() == reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			w.wrong(n, path, "true or false")
		}
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			w.wrong(n, path, "text")
		}
	}
}

func (w *typeWalker) list(n *yaml.Node, elem reflect.Type, path string) {
	for i, item := range n.Content {
		w.walk(item, elem, fmt.Sprintf("%s[%d]", path, i))
	}
}

// mapping checks a struct's fields by their yaml names; an unknown field
// is an error, with the known field it most likely means.
func (w *typeWalker) mapping(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		w.wrong(n, path, "a mapping (field: value lines)")
		return
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" {
			fields[name] = t.Field(i).Type
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := keyPath(path, k.Value)
		ft, ok := fields[k.Value]
		if !ok {
			msg := "unknown field"
			if near := nearest(k.Value, fields); near != "" {
				msg += fmt.Sprintf("; did you mean %s?", near)
			}
			w.errs = append(w.errs, FieldError{File: w.file, Line: k.Line, Field: field, Msg: msg})
			continue
		}
		w.walk(v, ft, field)
	}
}

// wrong reports a value of the wrong type. A secret field's value is never
// quoted.
func (w *typeWalker) wrong(n *yaml.Node, path, want string) {
	w.errs = append(w.errs, FieldError{File: w.file, Line: n.Line, Field: path,
		Msg: fmt.Sprintf("want %s, got %s", want, describeNode(n, isSecretField(path)))})
}

// describeNode says what a node is in YAML words.
func describeNode(n *yaml.Node, secret bool) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	what := map[string]string{"!!int": "the whole number", "!!float": "the number", "!!bool": "the boolean", "!!str": "the text"}[n.ShortTag()]
	if what == "" {
		what = "the value"
	}
	if secret {
		return strings.TrimPrefix(what, "the ") + " (not shown: a secret field)"
	}
	v := n.Value
	if r := []rune(v); len(r) > 40 {
		v = string(r[:40]) + "..."
	}
	if n.ShortTag() == "!!str" && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return fmt.Sprintf("%s %s (quoted, so it is text)", what, printable(v))
	}
	if plainScalar.MatchString(v) {
		return fmt.Sprintf("%s %s", what, v)
	}
	return fmt.Sprintf("%s %s", what, printable(v))
}

// plainScalar: a value safe to print unquoted.
var plainScalar = regexp.MustCompile(`^[A-Za-z0-9.+_-]+$`)

// nearest is the known field within two edits of name, if any.
func nearest(name string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	for f := range fields {
		if d := editDistance(name, f); d < bestD || (d == bestD && f < best) {
			best, bestD = f, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
