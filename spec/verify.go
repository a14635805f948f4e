package spec

import (
	"fmt"
	"slices"

	"github.com/regsetup/regsetup/model"
)

// Verify is what the smoke test needs beyond the users: the directory
// accounts it signs in as.
type Verify struct {
	// Identities are accounts verify signs in as, each with the groups
	// the spec expects it in; verify checks every repository's access
	// from these declared memberships.
	Identities []VerifyIdentity `yaml:"identities"`
}

// VerifyIdentity is one account verify signs in as. Exactly one password
// source; it is read only by verify (init does not need it).
type VerifyIdentity struct {
	// Name is the login name: a directory account, or a local user given
	// as a bcrypt hash (the identity supplies its password).
	Name         string `yaml:"name"`
	PasswordEnv  string `yaml:"password_env"`  // an environment variable holding the password
	PasswordFile string `yaml:"password_file"` // or: a file holding it (one trailing newline is dropped)
	// Groups are the names in auth.ldap.groups the account is a member
	// of, nested memberships included. Default: none.
	Groups []string `yaml:"groups"`
}

// verifyIdentities checks verify.identities against the users, the local
// groups and the directory groups; with opts.VerifyPasswords it reads the
// passwords.
func (c *checker) verifyIdentities(in []VerifyIdentity, users []model.User, groups []model.Group) []model.VerifyIdentity {
	local := map[string]int{}
	for i, u := range users {
		local[u.Name] = i
	}
	localGroups := map[string]bool{}
	for _, g := range groups {
		localGroups[g.Name] = true
	}
	dir := c.dirNames()
	seen := map[string]int{}
	out := make([]model.VerifyIdentity, 0, len(in))
	for i, v := range in {
		field := fmt.Sprintf("verify.identities[%d]", i)
		id := model.VerifyIdentity{Name: v.Name}
		switch {
		case v.Name == "":
			c.addf(field+".name", "required: the account's login name")
		case !userRE.MatchString(v.Name):
			c.addf(field+".name", "%s may only use letters, digits, '.', '_', '@', '+' and '-' (no spaces)", printable(v.Name))
		}
		if j, dup := seen[v.Name]; dup && v.Name != "" {
			c.addf(field+".name", "%s is already at verify.identities[%d]", printable(v.Name), j)
		}
		seen[v.Name] = i
		if j, ok := local[v.Name]; ok {
			id.Local = true
			if users[j].Hash == "" {
				c.addf(field+".name", "%s is a local user with a password (users[%d]); verify signs in as it without this entry", printable(v.Name), j)
			}
		} else if c.directory == nil && v.Name != "" {
			c.addf(field+".name", "%s is not a user; directory accounts need auth.backend: ldap", printable(v.Name))
		}
		for k, g := range v.Groups {
			f := fmt.Sprintf("%s.groups[%d]", field, k)
			_, isDir := dir[g]
			switch {
			case slices.Contains(v.Groups[:k], g):
				c.addf(f, "%s is listed twice", printable(g))
			case isDir && id.Local:
				c.addf(f, "%s is a directory group, and %s a local user: local accounts are checked against groups only", printable(g), printable(v.Name))
			case isDir:
				id.DirGroups = append(id.DirGroups, g)
			case localGroups[g] && id.Local:
				if !slices.ContainsFunc(groups, func(lg model.Group) bool { return lg.Name == g && slices.Contains(lg.Members, v.Name) }) {
					c.addf(f, "%s does not list %s; the spec's groups decide local memberships", printable(g), printable(v.Name))
				}
			case localGroups[g]:
				c.addf(f, "%s is a local group: it lists local users only, and %s is a directory account; name a group of auth.ldap.groups", printable(g), printable(v.Name))
			default:
				c.addf(f, "unknown group %s: want a name in auth.ldap.groups (or, for a local user, in groups)", printable(g))
			}
		}
		id.Password = c.verifyPassword(field, v)
		out = append(out, id)
	}
	return out
}

// verifyPassword checks the identity's one password source and, with
// opts.VerifyPasswords, reads it.
func (c *checker) verifyPassword(field string, v VerifyIdentity) model.Secret {
	if (v.PasswordEnv != "") == (v.PasswordFile != "") {
		c.addf(field, "set exactly one of password_env or password_file (a password itself does not belong in the spec)")
		return ""
	}
	if v.PasswordEnv != "" && !envNameRE.MatchString(v.PasswordEnv) {
		c.addf(field+".password_env", "not an environment variable name (letters, digits and '_', not starting with a digit): it names the variable that holds the password")
		return ""
	}
	if !c.opts.VerifyPasswords {
		return ""
	}
	if v.PasswordFile != "" {
		return c.passwordFile(field+".password_file", v.PasswordFile)
	}
	p, ok := c.opts.LookupEnv(v.PasswordEnv)
	if !ok || p == "" {
		c.addf(field+".password_env", "the environment variable it names is not set or empty")
		return ""
	}
	if len(p) > maxPassword*4 || slices.Contains([]byte(p), 0) {
		c.addf(field+".password_env", "the password is longer than %d bytes or contains a NUL byte", maxPassword*4)
		return ""
	}
	return model.Secret(p)
}
