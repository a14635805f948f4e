package spec

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"

	"github.com/regsetup/regsetup/model"
)

var ldapAttrRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,63}$`)

// Limits of auth.ldap numbers.
const (
	maxLDAPTimeout = 7 // two tries must stay within docker's 15 s
	maxNested      = 32
)

// ldap checks auth and auth.ldap and returns the directory, or nil with
// the htpasswd backend.
func (c *checker) ldap(s *Spec) *model.LDAP {
	switch s.Auth.Backend {
	case BackendHTPasswd:
		if s.Auth.LDAP != nil {
			c.addf("auth.ldap", "only with auth.backend: %s", BackendLDAP)
		}
		return nil
	case BackendLDAP:
	default:
		c.addf("auth.backend", "want %q or %q, got %s", BackendHTPasswd, BackendLDAP, printable(s.Auth.Backend))
		return nil
	}
	if s.Profile == string(model.ProfileRecipe) {
		c.addf("auth.backend", "ldap needs the secure profile: the recipe's config has only the password file")
	}
	l := s.Auth.LDAP
	if l == nil {
		c.addf("auth.ldap", "required with auth.backend: ldap: servers, base_dn and the service account")
		return &model.LDAP{}
	}
	p, ok := presets[l.Directory]
	if !ok {
		c.addf("auth.ldap.directory", "want %q or %q, got %s", model.DirectoryAD, model.DirectoryOpenLDAP, printable(l.Directory))
	}
	m := &model.LDAP{
		Directory:      l.Directory,
		Servers:        c.ldapServers(l.Servers),
		TLS:            c.ldapTLS(l),
		Port:           l.Port,
		BaseDN:         c.dn("auth.ldap.base_dn", l.BaseDN),
		UserAttribute:  l.UserAttribute,
		Filter:         c.ldapFilter(p.filter, l.UserFilter),
		GroupAttribute: p.groupAttribute,
		SubGroupClass:  p.subGroupClass,
		NestedGroups:   *l.NestedGroups,
		Timeout:        l.Timeout,
	}
	if l.Port < 1 || l.Port > 65535 {
		c.addf("auth.ldap.port", "%d is out of range 1-65535", l.Port)
	}
	if l.CA != "" {
		m.CAPEM = c.ldapCA(l.CA)
	}
	if !ldapAttrRE.MatchString(l.UserAttribute) {
		c.addf("auth.ldap.user_attribute", "%s is not an attribute name (letters, digits and '-')", printable(l.UserAttribute))
	}
	if m.NestedGroups < 0 || m.NestedGroups > maxNested {
		c.addf("auth.ldap.nested_groups", "%d is out of range 0-%d", m.NestedGroups, maxNested)
	}
	if l.Timeout < 1 || l.Timeout > maxLDAPTimeout {
		c.addf("auth.ldap.timeout", "%d is out of range 1-%d seconds: Apache tries twice, and docker gives up after 15 s", l.Timeout, maxLDAPTimeout)
	}
	m.BindDN, m.BindPassword = c.ldapBind(l, p.needsBindDN)
	m.Groups = c.dirGroups(l.Groups)
	if l.RequireGroup != "" {
		if _, ok := m.DirGroupDN(l.RequireGroup); !ok {
			c.addf("auth.ldap.require_group", "%s is not a name in auth.ldap.groups", printable(l.RequireGroup))
		}
		m.RequireGroup = l.RequireGroup
	}
	return m
}

func (c *checker) ldapServers(in []string) []string {
	if len(in) == 0 {
		c.addf("auth.ldap.servers", "at least one directory server (host name or address) is required")
	}
	for i, h := range in {
		if !isHostname(strings.ToLower(h)) {
			c.addf(fmt.Sprintf("auth.ldap.servers[%d]", i), "%s is not a host name or IPv4 address (give the port in auth.ldap.port)", printable(h))
		}
	}
	return in
}

func (c *checker) ldapTLS(l *LDAP) string {
	switch l.TLS {
	case model.TLSLDAPS, model.TLSStartTLS:
		if l.TLS == model.TLSLDAPS {
			c.warnf("auth.ldap.tls", "with ldaps, a directory server that accepts connections and never answers holds each request until it closes the connection (libldap does not time out the TLS handshake); starttls is bounded by auth.ldap.timeout")
		}
		if l.AllowPlaintext {
			c.addf("auth.ldap.allow_plaintext", "only with tls: none")
		}
	case model.TLSNone:
		if !l.AllowPlaintext {
			c.addf("auth.ldap.tls", "none sends every password to the directory in clear; set allow_plaintext: true to mean it, or use ldaps or starttls")
		}
		if l.CA != "" {
			c.addf("auth.ldap.ca", "only with tls: ldaps or starttls")
		}
	default:
		c.addf("auth.ldap.tls", "want %q, %q or %q, got %s", model.TLSLDAPS, model.TLSStartTLS, model.TLSNone, printable(l.TLS))
	}
	return l.TLS
}

// dn returns dn, reporting at field why it cannot be used.
func (c *checker) dn(field, dn string) string {
	if dn == "" {
		c.addf(field, "required: a distinguished name, e.g. OU=Users,DC=corp,DC=example")
		return ""
	}
	if p := dnProblem(dn); p != "" {
		c.addf(field, "not a usable DN: %s", p)
	}
	return dn
}

// ldapFilter combines the preset's filter with the spec's extra one.
func (c *checker) ldapFilter(base, extra string) string {
	if extra == "" {
		return base
	}
	if p := filterProblem(extra); p != "" {
		c.addf("auth.ldap.user_filter", "%s", p)
		return base
	}
	if base == "" {
		return extra
	}
	return "(&" + base + extra + ")"
}

func (c *checker) ldapCA(name string) []byte {
	data := c.readFile("auth.ldap.ca", name)
	if data == nil {
		return nil
	}
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			c.addf("auth.ldap.ca", "%s holds a %s; want only CA certificates", printable(name), printable(block.Type))
			return nil
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			c.addf("auth.ldap.ca", "parsing a certificate in %s: %v", printable(name), err)
			return nil
		}
		n++
	}
	if n == 0 {
		c.addf("auth.ldap.ca", "%s has no PEM certificate", printable(name))
		return nil
	}
	return data
}

// ldapBind reads the service account's password from its one source.
func (c *checker) ldapBind(l *LDAP, needed bool) (string, model.Secret) {
	field := "auth.ldap.bind_dn"
	hasPassword := l.BindPasswordFile != "" || l.BindPasswordEnv != ""
	switch {
	case l.BindDN == "" && needed:
		c.addf(field, "required for %s, which refuses anonymous searches: the service account's DN", l.Directory)
		return "", ""
	case l.BindDN == "":
		if hasPassword {
			c.addf("auth.ldap", "a bind password without bind_dn; set bind_dn or remove the password")
		}
		return "", ""
	}
	dn := c.dn(field, l.BindDN)
	if (l.BindPasswordFile != "") == (l.BindPasswordEnv != "") {
		c.addf("auth.ldap", "with bind_dn, set exactly one of bind_password_file or bind_password_env")
		return dn, ""
	}
	src := "auth.ldap.bind_password_file"
	if l.BindPasswordEnv != "" {
		src = "auth.ldap.bind_password_env"
	}
	return dn, c.secretValue(src, l.BindPasswordEnv, l.BindPasswordFile)
}

func (c *checker) dirGroups(in DirGroups) []model.DirGroup {
	out := make([]model.DirGroup, 0, len(in))
	for _, g := range in {
		field := keyPath("auth.ldap.groups", g.Name)
		if !groupRE.MatchString(g.Name) {
			c.addf(field, "name %s may only use letters, digits, '.', '_' and '-'", printable(g.Name))
		}
		out = append(out, model.DirGroup{Name: g.Name, DN: c.dn(field, g.DN)})
	}
	return out
}

// uniqueNames refuses a directory group name that is also a local user or
// group: a rule naming it would be ambiguous.
func (c *checker) uniqueNames(d *model.LDAP, users []model.User, groups []model.Group) {
	if d == nil {
		return
	}
	known := map[string]string{}
	for _, u := range users {
		known[u.Name] = "a user (users)"
	}
	for _, g := range groups {
		known[g.Name] = "a local group (groups)"
	}
	for _, g := range d.Groups {
		if what, dup := known[g.Name]; dup {
			c.addf(keyPath("auth.ldap.groups", g.Name), "%s is already %s; names must be unique across users, groups and auth.ldap.groups", printable(g.Name), what)
		}
	}
}

// dirNames indexes the directory groups by name (nil without a directory).
func (c *checker) dirNames() map[string]model.DirGroup {
	if c.directory == nil {
		return nil
	}
	out := make(map[string]model.DirGroup, len(c.directory.Groups))
	for _, g := range c.directory.Groups {
		out[g.Name] = g
	}
	return out
}

// authenticated is what "authenticated" at field means: any valid user;
// with a directory and require_group, the local users and the members of
// that group; with a directory and no require_group, every account the
// filter finds, which gets a warning (once).
func (c *checker) authenticated(field string, known names) model.Principals {
	if c.directory == nil {
		return model.Principals{Authenticated: true}
	}
	g, ok := known.dir[c.directory.RequireGroup]
	if c.directory.RequireGroup == "" || !ok {
		if !c.warnedAuthenticated {
			c.warnedAuthenticated = true
			c.warnf(field, "%q with auth.backend: ldap and no auth.ldap.require_group means every account the directory's filter finds; set require_group to name the group that may sign in", Authenticated)
		}
		return model.Principals{Authenticated: true}
	}
	return model.Principals{Users: append([]string(nil), known.users...), DirGroups: []model.DirGroup{g}}
}

// warnf adds a located warning to the model.
func (c *checker) warnf(field, format string, args ...any) {
	c.warns = append(c.warns, FieldError{File: c.file, Line: c.pos.line(field), Field: field, Msg: fmt.Sprintf(format, args...)}.Error())
}
