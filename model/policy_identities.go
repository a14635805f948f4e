package model

import "slices"

// VerifyIdentity is an account the smoke test signs in as
// (verify.identities), with the memberships the spec expects: verify
// checks the access matrix of this account from them, so a directory that
// disagrees with the spec fails the smoke test.
type VerifyIdentity struct {
	Name string
	// Password is what verify signs in with; "" until it is read (spec
	// reads it only when asked: only verify needs it).
	Password Secret
	// DirGroups are the names (in auth.ldap.groups) of the directory
	// groups the account is expected to be in, nested memberships
	// included; for a local user (given as a bcrypt hash) its groups come
	// from Model.Groups and this is empty.
	DirGroups []string
	// Local: the name is a local user whose password the spec has only as
	// a hash; the identity supplies it.
	Local bool
}

// Identity returns the declared identity called name.
func (m *Model) Identity(name string) (VerifyIdentity, bool) {
	for _, id := range m.VerifyIdentities {
		if id.Name == name {
			return id, true
		}
	}
	return VerifyIdentity{}, false
}

// inDirGroup reports whether the spec declares user a member of the
// directory group g (by name or, for two names of one DN, by DN).
func (m *Model) inDirGroup(user string, g DirGroup) bool {
	id, ok := m.Identity(user)
	if !ok || m.LDAP == nil {
		return false
	}
	return slices.ContainsFunc(id.DirGroups, func(name string) bool {
		dn, ok := m.LDAP.DirGroupDN(name)
		return name == g.Name || ok && dn == g.DN
	})
}
