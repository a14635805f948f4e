package model

// LDAP is the directory backend (auth.backend: ldap): Apache's
// mod_authnz_ldap checks every password the local accounts (Users) do not
// know against the directory, and access rules may name directory groups.
type LDAP struct {
	Directory string   // DirectoryAD or DirectoryOpenLDAP
	Servers   []string // host names or addresses, tried in order
	TLS       string   // TLSLDAPS, TLSStartTLS or TLSNone
	Port      int
	CAPEM     []byte // the private CA the servers' certificates chain to; nil: the system's
	BaseDN    string // where users are searched (subtree)
	// UserAttribute is the attribute the login name is compared with, and
	// the name Apache logs and rules see (AuthLDAPRemoteUserAttribute).
	UserAttribute string
	Filter        string // the whole search filter, preset and user_filter combined
	BindDN        string // the service account; "" searches anonymously
	BindPassword  Secret
	// GroupAttribute lists the attributes of a group that hold its members'
	// DNs; SubGroupClass the object classes that make a member a group.
	GroupAttribute []string
	SubGroupClass  []string
	NestedGroups   int // depth of nested groups followed; 0 = direct members only
	Timeout        int // seconds, for connecting and for each operation
	Groups         []DirGroup
	// RequireGroup, when set, is what "authenticated" means for directory
	// accounts: members of this group (local accounts are always in).
	RequireGroup string
}

// Directory presets and TLS modes.
const (
	DirectoryAD       = "active-directory"
	DirectoryOpenLDAP = "openldap"
	TLSLDAPS          = "ldaps"
	TLSStartTLS       = "starttls"
	TLSNone           = "none"
)

// DirGroup is a name the access rules use for a directory group.
type DirGroup struct {
	Name string
	DN   string
}

// DirGroupDN returns the DN of the directory group called name.
func (l *LDAP) DirGroupDN(name string) (string, bool) {
	for _, g := range l.Groups {
		if g.Name == name {
			return g.DN, true
		}
	}
	return "", false
}
