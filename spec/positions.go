package spec

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// positions maps a field path (users[1].name) to the line it is on, so
// validation errors can point at the file.
type positions map[string]int

func indexNode(n *yaml.Node, path string, into positions) {
	if n == nil {
		return
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			indexNode(c, path, into)
		}
		return
	}
	into[path] = n.Line
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			child := keyPath(path, k.Value)
			into[child] = k.Line
			if n.Content[i+1].Kind != yaml.ScalarNode {
				indexNode(n.Content[i+1], child, into)
				into[child] = k.Line
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			indexNode(c, fmt.Sprintf("%s[%d]", path, i), into)
		}
	}
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// keyPath appends a mapping key to a field path; a key that is not a plain
// name is quoted, so a hostile key cannot forge lines in an error message.
func keyPath(parent, key string) string {
	if !plainKey.MatchString(key) {
		return fmt.Sprintf("%s[%s]", parent, printable(key))
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// line finds the line of path, or of its nearest parent that is written.
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return p[""]
}
