package model

import "testing"

// TestAllowedDeclared: directory groups count the memberships the spec
// declares (verify.identities), matched by name or by DN, and nothing
// else; a rule naming a directory group works the same way.
func TestAllowedDeclared(t *testing.T) {
	pushers := DirGroup{Name: "pushers", DN: "CN=registry-push,OU=Groups,DC=corp,DC=example"}
	users := DirGroup{Name: "registry-users", DN: "CN=registry-users,OU=Groups,DC=corp,DC=example"}
	alias := DirGroup{Name: "push-alias", DN: pushers.DN}
	m := &Model{
		LDAP:   &LDAP{Groups: []DirGroup{pushers, users, alias}},
		Users:  []User{{Name: "ci-robot", Password: "x"}},
		Groups: []Group{{Name: "robots", Members: []string{"ci-robot"}}},
		Access: Access{Pull: Principals{Users: []string{"ci-robot"}, DirGroups: []DirGroup{users}}, Push: Principals{Groups: []string{"robots"}, DirGroups: []DirGroup{pushers}}},
		VerifyIdentities: []VerifyIdentity{
			{Name: "alice", DirGroups: []string{"pushers", "registry-users"}},
			{Name: "bob", DirGroups: []string{"registry-users"}},
			{Name: "carol", DirGroups: []string{"push-alias"}}, // another name of pushers' DN
			{Name: "frank"},
		},
	}
	for _, tc := range []struct {
		user       string
		pull, push bool
	}{
		{"alice", true, true}, {"bob", true, false}, {"carol", true, true}, {"frank", false, false},
		{"ci-robot", true, true}, {"mallory", false, false}, {"", false, false},
	} {
		t.Run(tc.user, func(t *testing.T) {
			if got := m.CanPull(tc.user, "team/app"); got != tc.pull {
				t.Errorf("CanPull = %v, want %v", got, tc.pull)
			}
			if got := m.CanPush(tc.user, "team/app"); got != tc.push {
				t.Errorf("CanPush = %v, want %v", got, tc.push)
			}
		})
	}
	m.Access = Access{Rules: []Rule{{Repos: "team/*", Pull: Principals{DirGroups: []DirGroup{users}}, Push: Principals{DirGroups: []DirGroup{pushers}}}}}
	if !m.CanPush("alice", "team/app") || m.CanPush("bob", "team/app") || !m.CanPull("bob", "team/app") || m.CanPull("bob", "other/app") {
		t.Error("rules: declared memberships not applied per repository")
	}
}
