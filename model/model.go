// Package model is the resolved, validated description of one registry
// deployment: what the spec says after defaults, secrets and certificates
// have been read. It is the only input of the generator and of verify's
// expectations; it knows nothing about YAML, files or docker.
package model

import "slices"

// Profile selects how closely the output follows the recipe.
type Profile string

const (
	// ProfileSecure is the recipe with the changes needed to start and be safe.
	ProfileSecure Profile = "secure"
	// ProfileRecipe reproduces the document byte for byte.
	ProfileRecipe Profile = "recipe"
)

// Model is one deployment.
type Model struct {
	Profile     Profile
	Domain      string // ServerName, container hostname, certificate name
	Port        int    // the port Apache listens on and publishes
	ServerAdmin string
	TLS         TLS
	Users       []User  // in spec order: the htpasswd file keeps it
	Groups      []Group // sorted by name
	Access      Access
	BcryptCost  int
	// AuthCacheTTL is how long (seconds) Apache may remember a successful
	// password check; 0 means never (bcrypt on every request).
	AuthCacheTTL  int
	ApacheImage   string
	RegistryImage string
	// DaemonGID is the group Apache's workers run as, which must be able
	// to read the password and key files: DaemonGroup (the image's
	// "daemon") unless the files could not be given to it (init without
	// root), then the group they belong to, and httpd.conf says
	// `Group #DaemonGID`.
	DaemonGID int
	// Apache is where the proxy runs: a container (the zero value) or
	// the user's own server (apache.go).
	Apache Apache
	// LDAP is the directory backend; nil: local accounts only (htpasswd).
	LDAP *LDAP
	// Deploy is the engine the stack runs on, and how many replicas.
	Deploy Deploy
	// Storage is where the registry keeps its data.
	Storage Storage
	// Warnings are what the spec allows but probably does not mean.
	Warnings []string
}

// DaemonGroup is the group id of the httpd image's "daemon" user, as
// whom the recipe's `User daemon` / `Group daemon` run Apache's workers.
const DaemonGroup = 1

// TLS is the server certificate: either given (copied byte for byte) or to
// be generated for Domain.
type TLS struct {
	Generate bool
	CertPEM  []byte // given certificate, as read
	KeyPEM   Secret // given key, as read
}

// User is one htpasswd entry. Exactly one of Password and Hash is set.
type User struct {
	Name     string
	Password Secret // clear text, to be hashed
	Hash     Secret // a "$2y$" bcrypt hash given in the spec
}

// Group is one line of the group file.
type Group struct {
	Name    string
	Members []string // in spec order
}

// Access says who may pull and who may push. Push implies pull. Either
// Pull and Push apply to every repository (the recipe's shape), or Rules
// grant rights per repository pattern and everything else is denied.
type Access struct {
	Pull    Principals
	Push    Principals
	Rules   []Rule     // when set, Pull and Push are unused
	Catalog Principals // with Rules: who may list every repository
}

// Principals is a set of users: every authenticated user, or named users
// and members of named groups.
type Principals struct {
	Authenticated bool
	Groups        []string // in spec order
	Users         []string // in spec order
	// DirGroups are directory groups (with LDAP), in spec order. Their
	// members are known only to the directory: Allowed never counts them.
	DirGroups []DirGroup
}

// Empty reports whether p names nobody.
func (p Principals) Empty() bool {
	return !p.Authenticated && len(p.Groups) == 0 && len(p.Users) == 0 && len(p.DirGroups) == 0
}

// InGroup reports whether user is a member of group.
func (m *Model) InGroup(user, group string) bool {
	for _, g := range m.Groups {
		if g.Name != group {
			continue
		}
		for _, u := range g.Members {
			if u == user {
				return true
			}
		}
	}
	return false
}

// includes reports whether p contains user.
func (m *Model) includes(p Principals, user string) bool {
	if user == "" {
		return false
	}
	if p.Authenticated || slices.Contains(p.Users, user) {
		return true
	}
	for _, g := range p.Groups {
		if m.InGroup(user, g) {
			return true
		}
	}
	return false
}
