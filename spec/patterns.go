package spec

import "strings"

// patternIndex finds, for a new repository pattern, an earlier pattern that
// overlaps it, in time proportional to the pattern's depth (not to the
// number of rules), so validating many rules stays linear.
type patternIndex struct {
	exact map[string]int // pattern -> first rule with it
	under map[string]int // "a/b/" -> first rule whose pattern starts with it
	first int            // the first rule, -1 if none
	star  int            // the rule with "*", -1 if none
}

func newPatternIndex() *patternIndex {
	return &patternIndex{exact: map[string]int{}, under: map[string]int{}, first: -1, star: -1}
}

// overlapping returns an earlier rule whose pattern covers p or is covered
// by it (model.Rule.Covers in either direction).
func (x *patternIndex) overlapping(p string) (int, bool) {
	if x.star >= 0 {
		return x.star, true
	}
	if p == "*" && x.first >= 0 {
		return x.first, true
	}
	if j, ok := x.exact[p]; ok {
		return j, true
	}
	for _, prefix := range dirPrefixes(p) { // an earlier "a/*" covers p
		if j, ok := x.exact[prefix+"*"]; ok {
			return j, true
		}
	}
	if strings.HasSuffix(p, "/*") { // p covers an earlier pattern under it
		if j, ok := x.under[strings.TrimSuffix(p, "*")]; ok {
			return j, true
		}
	}
	return 0, false
}

func (x *patternIndex) add(p string, i int) {
	if x.first < 0 {
		x.first = i
	}
	if p == "*" && x.star < 0 {
		x.star = i
	}
	if _, ok := x.exact[p]; !ok {
		x.exact[p] = i
	}
	for _, prefix := range dirPrefixes(p) {
		if _, ok := x.under[prefix]; !ok {
			x.under[prefix] = i
		}
	}
}

// dirPrefixes are the prefixes of p that end in "/": "a/b/c" → "a/", "a/b/".
func dirPrefixes(p string) []string {
	var out []string
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i+1])
		}
	}
	return out
}
