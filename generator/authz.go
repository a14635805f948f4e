package generator

import (
	"fmt"
	"strings"

	"github.com/regsetup/regsetup/model"
)

// The secure profile's authorization is Apache Require containers built
// here: deny by default, and each allowance names its methods and its
// users. Every name in them is validated (package spec).

// lines is indented config text under construction.
type lines struct {
	b strings.Builder
}

func (l *lines) add(indent int, format string, args ...any) {
	l.b.WriteString(strings.Repeat("  ", indent) + fmt.Sprintf(format, args...) + "\n")
}

func (l *lines) String() string { return strings.TrimSuffix(l.b.String(), "\n") }

// requireWho writes the Require lines that match p (one line, or a
// RequireAny of a group line and a user line).
func requireWho(l *lines, indent int, p model.Principals) {
	var who []string
	if p.Authenticated {
		who = append(who, "Require valid-user")
	}
	if len(p.Groups) > 0 {
		who = append(who, "Require group "+strings.Join(p.Groups, " "))
	}
	if len(p.Users) > 0 {
		who = append(who, "Require user "+strings.Join(p.Users, " "))
	}
	for _, g := range p.DirGroups {
		// One DN a line (the rest of the line is the DN), read as an
		// expression string, where "\\" stands for one backslash.
		who = append(who, "Require ldap-group "+strings.ReplaceAll(g.DN, `\`, `\\`))
	}
	if len(who) == 1 {
		l.add(indent, "%s", who[0])
		return
	}
	l.add(indent, "<RequireAny>")
	for _, w := range who {
		l.add(indent+1, "%s", w)
	}
	l.add(indent, "</RequireAny>")
}

// describe names p for a comment.
func describe(p model.Principals) string {
	if p.Authenticated {
		return "authenticated users"
	}
	var parts []string
	if len(p.Groups) > 0 {
		parts = append(parts, plural("group", p.Groups))
	}
	if len(p.Users) > 0 {
		parts = append(parts, plural("user", p.Users))
	}
	if len(p.DirGroups) > 0 {
		names := make([]string, len(p.DirGroups))
		for i, g := range p.DirGroups {
			names[i] = g.Name
		}
		parts = append(parts, plural("directory group", names))
	}
	return strings.Join(parts, " and ")
}

func plural(kind string, names []string) string {
	if len(names) == 1 {
		return kind + " " + names[0]
	}
	return kind + "s " + strings.Join(names, ", ")
}

// allowance writes "these methods for these users" as a RequireAll.
func allowance(l *lines, indent int, comment string, methods []string, p model.Principals) {
	l.add(indent, "# %s %s", comment, describe(p))
	l.add(indent, "<RequireAll>")
	l.add(indent+1, "Require method %s", strings.Join(methods, " "))
	requireWho(l, indent+1, p)
	l.add(indent, "</RequireAll>")
}

// pullPush writes the allowances for pull and push (push implies pull),
// wrapped in a RequireAny when there are both.
func pullPush(l *lines, indent int, pull, push model.Principals) {
	both := !pull.Empty() && !push.Empty()
	if both {
		l.add(indent, "<RequireAny>")
		indent++
	}
	if !pull.Empty() {
		allowance(l, indent, "Read access to", model.PullMethods, pull)
	}
	if !push.Empty() {
		allowance(l, indent, "Write access to", append(append([]string{}, model.PullMethods...), model.PushMethods...), push)
	}
	if both {
		l.add(indent-1, "</RequireAny>")
	}
}

// locationAuthz is what <Location /v2> requires in the secure profile.
func locationAuthz(a model.Access) string {
	var l lines
	if len(a.Rules) > 0 {
		l.add(2, "# secure: deny by default; the sections after this one allow, each on its paths.")
		l.add(2, "Require all denied")
		return l.String()
	}
	l.add(2, "# secure: deny by default. <Limit> left every other method (OPTIONS,")
	l.add(2, "# TRACE, unknown or lower-case ones) with no Require at all.")
	pullPush(&l, 2, a.Pull, a.Push)
	return l.String()
}

// ruleSections are the <LocationMatch> sections of per-repository rules:
// the API root, the catalog, then one per rule. Later sections replace the
// Require of <Location /v2> on their paths (AuthMerging Off).
func ruleSections(a model.Access) string {
	if len(a.Rules) == 0 {
		return ""
	}
	var l lines
	l.add(0, "")
	l.add(1, "# secure: the API root, which docker login checks: any valid user.")
	l.add(1, `<LocationMatch "^/v2/?$">`)
	pullPush(&l, 2, model.Principals{Authenticated: true}, model.Principals{})
	l.add(1, "</LocationMatch>")
	if !a.Catalog.Empty() {
		l.add(0, "")
		l.add(1, "# secure: the list of every repository.")
		l.add(1, `<LocationMatch "^%s$">`, model.CatalogPath)
		pullPush(&l, 2, a.Catalog, model.Principals{})
		l.add(1, "</LocationMatch>")
	}
	for _, r := range a.Rules {
		l.add(0, "")
		l.add(1, "# secure: repositories %s", r.Repos)
		l.add(1, `<LocationMatch "%s">`, r.PathRegexp())
		pullPush(&l, 2, r.Pull, r.Push)
		l.add(1, "</LocationMatch>")
	}
	return "\n" + l.String()
}

// recipeRequire is the Require inside one of the recipe's <Limit> blocks.
func recipeRequire(p model.Principals) string {
	var l lines
	requireWho(&l, 3, p)
	return strings.TrimPrefix(l.String(), "      ")
}
