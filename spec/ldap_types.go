package spec

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Auth chooses the password backend.
type Auth struct {
	// Backend is "htpasswd" (default: the users below only) or "ldap":
	// the users below first, then the directory.
	Backend string `yaml:"backend"`
	// LDAP is the directory, with backend: ldap.
	LDAP *LDAP `yaml:"ldap"`
}

// Backends.
const (
	BackendHTPasswd = "htpasswd"
	BackendLDAP     = "ldap"
)

// LDAP is a directory (Active Directory or OpenLDAP) Apache checks
// passwords and group memberships against. Fields marked (p) default by
// Directory's preset.
type LDAP struct {
	// Directory is "active-directory" (default) or "openldap".
	Directory string `yaml:"directory"`
	// Servers are host names or addresses, tried in order. Required.
	Servers []string `yaml:"servers"`
	// TLS is "starttls" (default), "ldaps" or "none" (only with
	// AllowPlaintext: passwords cross the network in clear). With ldaps, a
	// server that accepts connections and never answers holds requests
	// until it closes them: libldap has no timeout for the TLS handshake.
	TLS            string `yaml:"tls"`
	AllowPlaintext bool   `yaml:"allow_plaintext"`
	// Port: default 636 with ldaps, else 389 (3269/3268: an AD global catalog).
	Port int `yaml:"port"`
	// CA is a PEM file of the CA the servers' certificates chain to,
	// relative to the spec; default: the system's trusted CAs.
	CA string `yaml:"ca"`
	// BaseDN is where accounts are searched (the whole subtree). Required.
	BaseDN string `yaml:"base_dn"`
	// UserAttribute (p) holds the login name: AD sAMAccountName, OpenLDAP uid.
	UserAttribute string `yaml:"user_attribute"`
	// UserFilter is an extra filter every account must match, on top of
	// the preset's (AD: user objects that are not disabled; OpenLDAP:
	// inetOrgPerson).
	UserFilter string `yaml:"user_filter"`
	// BindDN is the service account that searches (required for AD);
	// its password comes from BindPasswordFile or BindPasswordEnv.
	BindDN           string `yaml:"bind_dn"`
	BindPasswordFile string `yaml:"bind_password_file"`
	BindPasswordEnv  string `yaml:"bind_password_env"`
	// RequireGroup (a name in Groups) is what "authenticated" means for
	// directory accounts; unset, it means every account the filter finds.
	RequireGroup string `yaml:"require_group"`
	// NestedGroups is how deep groups in groups are followed; 0 = direct
	// members only. Default 10.
	NestedGroups *int `yaml:"nested_groups"`
	// Timeout (seconds) bounds connecting and each operation. Default 4.
	Timeout int `yaml:"timeout"`
	// Groups maps names the access rules use to directory group DNs.
	Groups DirGroups `yaml:"groups"`
}

// DirGroup is one entry of LDAP.Groups.
type DirGroup struct{ Name, DN string }

// DirGroups keeps the spec's order and refuses a name written twice.
type DirGroups []DirGroup

// UnmarshalYAML decodes a mapping of names to DNs, pair by pair.
func (g *DirGroups) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: auth.ldap.groups: want a mapping of names to group DNs", n.Line)
	}
	seen := map[string]bool{}
	out := make(DirGroups, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return fmt.Errorf("line %d: mapping key %q already defined", k.Line, k.Value)
		}
		seen[k.Value] = true
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			return fmt.Errorf("line %d: auth.ldap.groups: the DN of %q must be a string", v.Line, k.Value)
		}
		out = append(out, DirGroup{Name: k.Value, DN: v.Value})
	}
	*g = out
	return nil
}
