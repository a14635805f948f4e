package spec

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/regsetup/regsetup/model"
)

// repoPatternRE: "*", a repository name, or a path ending in "/*"; names
// as the distribution API allows them (lower-case components).
var repoPatternRE = regexp.MustCompile(`^(?:\*|[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?:/\*)?)$`)

func (c *checker) access(a Access, groups []model.Group, users []model.User) model.Access {
	known := newNames(groups, users)
	known.dir = c.dirNames()
	if len(a.Rules) == 0 {
		if a.Catalog.set {
			c.addf("access.catalog", "only with rules: without them, pull says who may list repositories")
		}
		if !a.Push.set {
			c.addf("access.push", "required: %q or the groups and users that may push", Authenticated)
		}
		return model.Access{
			Pull: c.principals("access.pull", a.Pull, known),
			Push: c.principals("access.push", a.Push, known),
		}
	}
	if a.Pull.set || a.Push.set {
		c.addf("access.rules", "use either pull and push (every repository) or rules, not both")
	}
	out := model.Access{Catalog: c.principals("access.catalog", a.Catalog, known)}
	idx := newPatternIndex()
	for i, r := range a.Rules {
		field := fmt.Sprintf("access.rules[%d]", i)
		if !repoPatternRE.MatchString(r.Repos) {
			c.addf(field+".repos", "%s is not a repository pattern: \"*\", a name such as team-a/app, or a path ending in /* (lower-case letters, digits, '.', '_', '-')", printable(r.Repos))
		}
		rule := model.Rule{
			Repos: r.Repos,
			Pull:  c.principals(field+".pull", r.Pull, known),
			Push:  c.principals(field+".push", r.Push, known),
		}
		if rule.Pull.Empty() && rule.Push.Empty() {
			c.addf(field, "unreachable: it allows nobody to pull or push")
		}
		if j, ok := idx.overlapping(r.Repos); ok {
			c.overlap(field, rule, j, out.Rules[j])
		}
		idx.add(r.Repos, i)
		out.Rules = append(out.Rules, rule)
	}
	return out
}

// overlap refuses a rule that names repositories an earlier rule names
// too: with other rights it conflicts, with the same rights it can never
// decide anything (unreachable).
func (c *checker) overlap(field string, rule model.Rule, j int, earlier model.Rule) {
	if sameRights(earlier, rule) {
		c.addf(field, "unreachable: access.rules[%d] (%s) already gives the same rights on %s", j, earlier.Repos, printable(rule.Repos))
		return
	}
	c.addf(field+".repos", "%s overlaps access.rules[%d] (%s) with different rights; make the patterns disjoint", printable(rule.Repos), j, earlier.Repos)
}

func sameRights(a, b model.Rule) bool {
	eq := func(x, y model.Principals) bool {
		return x.Authenticated == y.Authenticated && slices.Equal(x.Groups, y.Groups) && slices.Equal(x.Users, y.Users) && slices.Equal(x.DirGroups, y.DirGroups)
	}
	return eq(a.Pull, b.Pull) && eq(a.Push, b.Push)
}
