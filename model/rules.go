package model

import (
	"regexp"
	"strings"
	"sync"
)

// Rule grants rights on the repositories its pattern names.
type Rule struct {
	// Repos is "*" (every repository), "path/*" (every repository under
	// path, at any depth) or an exact repository name.
	Repos string
	Pull  Principals
	Push  Principals
}

// apiPaths are the per-repository endpoints of the distribution API.
const apiPaths = `/(manifests|blobs|tags)/`

// PathRegexp is the regular expression, for Apache's <LocationMatch> and
// for the policy alike, of the URL paths that act on the rule's
// repositories. Repository names use only [a-z0-9._/-] (validated), so
// quoting them needs nothing but escaping dots.
func (r Rule) PathRegexp() string {
	switch {
	case r.Repos == "*":
		return `^/v2/.+` + apiPaths
	case strings.HasSuffix(r.Repos, "/*"):
		return `^/v2/` + regexp.QuoteMeta(strings.TrimSuffix(r.Repos, "*")) + `.+` + apiPaths
	}
	return `^/v2/` + regexp.QuoteMeta(r.Repos) + apiPaths
}

// Covers reports whether every repository r names is also named by other.
func (r Rule) Covers(other Rule) bool {
	switch {
	case r.Repos == "*" || r.Repos == other.Repos:
		return true
	case strings.HasSuffix(r.Repos, "/*"):
		return strings.HasPrefix(other.Repos, strings.TrimSuffix(r.Repos, "*"))
	}
	return false
}

// SampleRepo is a repository the rule applies to, for checks.
func (r Rule) SampleRepo() string {
	switch {
	case r.Repos == "*":
		return "regsetup-verify/smoke"
	case strings.HasSuffix(r.Repos, "/*"):
		return strings.TrimSuffix(r.Repos, "*") + "regsetup-verify"
	}
	return r.Repos
}

// ruleFor returns the rule whose pattern matches path (rules do not
// overlap; validation refuses that), or nil.
func (m *Model) ruleFor(path string) *Rule {
	for i := range m.Access.Rules {
		if compiled(m.Access.Rules[i].PathRegexp()).MatchString(path) {
			return &m.Access.Rules[i]
		}
	}
	return nil
}

var regexps sync.Map // expression -> *regexp.Regexp

func compiled(expr string) *regexp.Regexp {
	if re, ok := regexps.Load(expr); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(expr)
	regexps.Store(expr, re)
	return re
}

// CatalogPath lists every repository.
const CatalogPath = "/v2/_catalog"
