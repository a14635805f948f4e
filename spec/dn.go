package spec

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// attrTypeRE is an RDN's attribute type: a name or a numeric OID.
var attrTypeRE = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$`)

// dnProblem says why dn cannot be rendered into Apache's config as a
// distinguished name, or "" when it can. Spaces, commas, '=', '+' and
// escapes (\, or \2C) are fine; what could end a directive or a quoted
// argument, or be read as a variable or expression, is not.
func dnProblem(dn string) string {
	switch {
	case dn == "":
		return "empty"
	case !utf8.ValidString(dn):
		return "not valid UTF-8"
	case strings.IndexFunc(dn, unicode.IsControl) >= 0:
		return "contains a control character (a new line would end Apache's directive)"
	case strings.ContainsAny(dn, `"<>`):
		return `contains '"', '<' or '>', which Apache's config would read as the end of an argument or a section`
	case strings.Contains(dn, "%{") || strings.Contains(dn, "${"):
		return "contains '%{' or '${', which Apache would read as a variable"
	case strings.TrimSpace(dn) != dn:
		return "starts or ends with a space"
	}
	return rdnsProblem(dn)
}

// rdnsProblem checks the shape attr=value(,attr=value)* with escapes
// that each end: a backslash is followed by a character or two hex digits.
func rdnsProblem(dn string) string {
	var rdn strings.Builder
	check := func() string {
		typ, _, ok := strings.Cut(rdn.String(), "=")
		if !ok || !attrTypeRE.MatchString(strings.TrimSpace(typ)) {
			return fmt.Sprintf("%s is not attribute=value (e.g. CN=registry-users,OU=Groups,DC=corp,DC=example)", printable(rdn.String()))
		}
		rdn.Reset()
		return ""
	}
	for i := 0; i < len(dn); i++ {
		switch ch := dn[i]; ch {
		case '\\':
			if i+1 >= len(dn) {
				return "ends with a lone '\\' (Apache would join the next line)"
			}
			rdn.WriteByte(ch)
			i++
			rdn.WriteByte(dn[i])
		case ',', '+':
			if p := check(); p != "" {
				return p
			}
		default:
			rdn.WriteByte(ch)
		}
	}
	return check()
}

// filterProblem says why f is not a parenthesized LDAP filter, or "".
func filterProblem(f string) string {
	switch {
	case !utf8.ValidString(f):
		return "not valid UTF-8"
	case strings.IndexFunc(f, unicode.IsControl) >= 0:
		return "contains a control character"
	case !strings.HasPrefix(f, "(") || !strings.HasSuffix(f, ")"):
		return "want a filter in parentheses, e.g. (objectClass=user)"
	}
	depth := 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '\\':
			i++ // an escaped character (\28) never counts
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(f)-1 {
				return "more than one filter: combine them with (&...)"
			}
			if depth < 0 {
				return "unbalanced parentheses"
			}
		}
	}
	if depth != 0 {
		return "unbalanced parentheses"
	}
	return ""
}
