package spec

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/distribution/reference"
	"github.com/regsetup/regsetup/model"
)

// Allowed shapes. Everything that reaches httpd.conf or the group file is
// restricted to characters that cannot start a directive, a comment, a
// quoted string, a variable or a new line.
var (
	hostnameRE  = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	emailRE     = regexp.MustCompile(`^[A-Za-z0-9._+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
	userRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$`)
	groupRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	bcryptRE    = regexp.MustCompile(`^\$2[ay]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$`)
	anyBcryptRE = regexp.MustCompile(`^\$2[abxy]?\$`)
)

// checker validates a decoded spec and builds the model, collecting every
// problem instead of stopping at the first.
type checker struct {
	file string
	dir  string
	pos  positions
	opts Options
	errs Errors
	// allowSlow: the spec accepts bcrypt costs above MaxBcryptCost.
	allowSlow bool
	// directory is auth.ldap (auth.backend: ldap), nil without one;
	// warns are the model's warnings.
	directory           *model.LDAP
	warns               []string
	warnedAuthenticated bool
}

func (c *checker) addf(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{File: c.file, Line: c.pos.line(field), Field: field, Msg: fmt.Sprintf(format, args...)})
}

// printable describes a value for an error message without echoing
// anything that is not plain text.
func printable(s string) string {
	if !utf8.ValidString(s) {
		return "(not valid UTF-8)"
	}
	return fmt.Sprintf("%q", s)
}

func (c *checker) build(s *Spec) *model.Model {
	m := &model.Model{
		Profile:       model.Profile(s.Profile),
		Domain:        s.Domain,
		Port:          s.Port,
		ServerAdmin:   s.ServerAdmin,
		BcryptCost:    s.BcryptCost,
		AuthCacheTTL:  authCache(s),
		ApacheImage:   s.Apache.Image,
		RegistryImage: s.Registry.Image,
		DaemonGID:     1,
		Apache:        apacheTarget(s.Apache),
	}
	c.checkServer(s)
	m.Deploy, m.Storage = c.deploy(s)
	m.Apache.ServeBlobs = c.serveBlobs(s, m)
	c.allowSlow = s.AllowSlowBcrypt
	c.directory = c.ldap(s)
	m.LDAP = c.directory
	m.Users = c.users(s.Users)
	m.Groups = c.groups(s.Groups, m.Users)
	c.uniqueNames(c.directory, m.Users, m.Groups)
	m.Access = c.access(s.Access, m.Groups, m.Users)
	m.VerifyIdentities = c.verifyIdentities(s.Verify.Identities, m.Users, m.Groups)
	if s.Profile == string(model.ProfileRecipe) && len(s.Access.Rules) > 0 {
		c.addf("access.rules", "rules need the secure profile: the recipe's <Limit> blocks cannot express them")
	}
	m.TLS = c.tls(s)
	m.Warnings = c.warns
	return m
}

// isHostname reports whether domain is a host name Apache and the
// certificate can carry.
func isHostname(domain string) bool {
	if len(domain) > 253 || !hostnameRE.MatchString(domain) {
		return false
	}
	// A name whose last label is all digits must be an IPv4 address
	// (999.1.1.1 is neither a name nor an address).
	last := domain[strings.LastIndexByte(domain, '.')+1:]
	return strings.Trim(last, "0123456789") != "" || net.ParseIP(domain) != nil
}

func (c *checker) checkServer(s *Spec) {
	switch s.Profile {
	case string(model.ProfileSecure), string(model.ProfileRecipe):
	default:
		c.addf("profile", "want %q or %q, got %s", model.ProfileSecure, model.ProfileRecipe, printable(s.Profile))
	}
	switch {
	case s.Domain == "":
		c.addf("domain", "required: the registry's host name, e.g. myregistrydomain.com")
	case strings.Contains(s.Domain, ":") && net.ParseIP(s.Domain) != nil:
		c.addf("domain", "%s: an IPv6 address cannot be the domain (docker's certs.d folder and Apache's ServerName need a name or an IPv4 address): use a host name that resolves to it", printable(s.Domain))
	case !isHostname(s.Domain):
		c.addf("domain", "%s is not a host name (lower-case letters, digits, '-' and '.', and not all digits at the end) or an IPv4 address", printable(s.Domain))
	}
	if s.Port < 1 || s.Port > 65535 {
		c.addf("port", "%d is out of range 1-65535", s.Port)
	}
	if !emailRE.MatchString(s.ServerAdmin) {
		c.addf("server_admin", "%s is not an e-mail address", printable(s.ServerAdmin))
	}
	switch {
	case s.BcryptCost < 4 || s.BcryptCost > 31:
		c.addf("bcrypt_cost", "%d is out of range 4-31", s.BcryptCost)
	case s.BcryptCost > MaxBcryptCost && !s.AllowSlowBcrypt:
		c.addf("bcrypt_cost", "%s", slowCostMsg(s.BcryptCost))
	}
	if s.AuthCache != nil {
		switch {
		case *s.AuthCache < 0 || *s.AuthCache > 3600:
			c.addf("auth_cache", "%d is out of range 0-3600 seconds", *s.AuthCache)
		case *s.AuthCache > 0 && s.Profile == string(model.ProfileRecipe):
			c.addf("auth_cache", "needs the secure profile: the recipe's config has no password cache")
		}
	}
	c.image("registry.image", s.Registry.Image)
	c.image("apache.image", s.Apache.Image)
	c.apache(s)
}

func (c *checker) image(field, ref string) {
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		c.addf(field, "%s is not an image reference: %v", printable(ref), err)
	}
}

func (c *checker) groups(in map[string][]string, users []model.User) []model.Group {
	known := map[string]bool{}
	for _, u := range users {
		known[u.Name] = true
	}
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]model.Group, 0, len(names))
	for _, name := range names {
		field := keyPath("groups", name)
		if !groupRE.MatchString(name) {
			c.addf(field, "group name %s may only use letters, digits, '.', '_' and '-'", printable(name))
		}
		seen := map[string]bool{}
		for i, member := range in[name] {
			f := fmt.Sprintf("%s[%d]", field, i)
			switch {
			case !known[member]:
				c.addf(f, "unknown user %s", printable(member))
			case seen[member]:
				c.addf(f, "user %s is listed twice", printable(member))
			}
			seen[member] = true
		}
		out = append(out, model.Group{Name: name, Members: in[name]})
	}
	return out
}

// names tells groups from users (and directory groups), for principal
// lists; users keeps the local users in spec order.
type names struct {
	group, user map[string]bool
	users       []string
	dir         map[string]model.DirGroup
}

func newNames(groups []model.Group, users []model.User) names {
	n := names{group: map[string]bool{}, user: map[string]bool{}}
	for _, g := range groups {
		n.group[g.Name] = true
	}
	for _, u := range users {
		n.user[u.Name] = true
		n.users = append(n.users, u.Name)
	}
	return n
}

func (c *checker) principals(field string, p Principals, known names) model.Principals {
	if p.set && !p.Authenticated && len(p.Names) == 0 {
		c.addf(field, "empty: want %q or at least one group or user", Authenticated)
	}
	out := model.Principals{Authenticated: p.Authenticated}
	if p.Authenticated {
		out = c.authenticated(field, known)
	}
	for i, name := range p.Names {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case known.group[name] && known.user[name]:
			c.addf(f, "%s is both a group and a user; rename one", printable(name))
		case known.group[name]:
			out.Groups = append(out.Groups, name)
		case known.user[name]:
			out.Users = append(out.Users, name)
		case known.dir[name].DN != "":
			out.DirGroups = append(out.DirGroups, known.dir[name])
		default:
			c.addf(f, "unknown group or user %s", printable(name))
		}
	}
	return out
}

func authCache(s *Spec) int {
	if s.AuthCache == nil || s.Profile == string(model.ProfileRecipe) {
		return 0
	}
	return *s.AuthCache
}
