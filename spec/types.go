package spec

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Spec is the YAML document, as written by a person. Every field's comment
// gives its default; Load applies them.
type Spec struct {
	// Profile is "secure" (default): the recipe with the changes needed to
	// start and be safe; or "recipe": the document reproduced exactly.
	Profile string `yaml:"profile"`
	// Domain is the ServerName, the Apache container's hostname and the name
	// the certificate must carry. Required.
	Domain string `yaml:"domain"`
	// Port is where Apache listens and is published. Default 5043.
	Port int `yaml:"port"`
	// ServerAdmin is Apache's ServerAdmin e-mail. Default you@example.com.
	ServerAdmin string `yaml:"server_admin"`
	// TLS names the certificate and key, or asks for a generated one.
	TLS TLS `yaml:"tls"`
	// Users are the htpasswd entries, written in this order. At least one.
	Users []User `yaml:"users"`
	// Groups maps a group name to its members (user names).
	Groups Groups `yaml:"groups"`
	// Access says who may pull and push.
	Access Access `yaml:"access"`
	// BcryptCost is the bcrypt work factor, 4 to 14 (up to 31 with
	// AllowSlowBcrypt). Default 5, as `htpasswd -B` uses.
	BcryptCost int `yaml:"bcrypt_cost"`
	// AllowSlowBcrypt accepts a bcrypt_cost, or a bcrypt hash's cost, above
	// MaxBcryptCost, where every password check takes seconds to days.
	// Default false.
	AllowSlowBcrypt bool `yaml:"allow_slow_bcrypt"`
	// AuthCache is how many seconds Apache may remember a successful
	// password check, so bcrypt does not run on every request (secure
	// profile; 0 turns it off). A changed or removed password stops
	// working at once, and in any case within this time. Default 60.
	AuthCache *int `yaml:"auth_cache"`
	// Registry is the registry service. Default image registry:2.
	Registry Image `yaml:"registry"`
	// Apache is the proxy: a container regsetup runs (default, image
	// httpd:2.4) or, with mode include, the user's own server (apache.go).
	Apache Apache `yaml:"apache"`
	// Auth chooses where passwords are checked (see ldap_types.go).
	Auth Auth `yaml:"auth"`
	// Deploy is the engine that runs the stack, and how many replicas
	// (see deploy.go).
	Deploy Deploy `yaml:"deploy"`
	// Storage is where the registry keeps images (see deploy.go).
	Storage Storage `yaml:"storage"`
}

// TLS is the server certificate.
type TLS struct {
	// Cert is a PEM certificate file, relative to the spec's folder.
	// Default domain.crt (unless Generate is set).
	Cert string `yaml:"cert"`
	// Key is the PEM private key file. Default domain.key.
	Key string `yaml:"key"`
	// Generate creates a self-signed ECDSA certificate for Domain instead,
	// and keeps it on later runs while it is still valid. Default false.
	Generate bool `yaml:"generate"`
}

// User is one account. Exactly one password source must be set.
type User struct {
	Name         string `yaml:"name"`
	Password     string `yaml:"password"`      // the password in clear
	PasswordEnv  string `yaml:"password_env"`  // or: an environment variable holding it
	PasswordFile string `yaml:"password_file"` // or: a file holding it (one trailing newline is dropped)
	Bcrypt       string `yaml:"bcrypt"`        // or: a ready "$2y$" (or "$2a$") bcrypt hash
}

// Access lists who may pull and who may push (POST PUT PATCH DELETE):
// for every repository with Pull and Push, or per repository with Rules.
type Access struct {
	// Pull: "authenticated" (default: any valid user) or a list of groups
	// and users.
	Pull Principals `yaml:"pull"`
	// Push: a list of groups and users (or "authenticated"). Required
	// unless Rules are given.
	Push Principals `yaml:"push"`
	// Rules grant rights per repository pattern, instead of Pull and Push.
	// A request that no rule allows is refused. Patterns may not overlap.
	Rules []Rule `yaml:"rules"`
	// Catalog: with Rules, who may list every repository
	// (GET /v2/_catalog). Default: nobody.
	Catalog Principals `yaml:"catalog"`
}

// Rule grants rights on some repositories.
type Rule struct {
	// Repos is "*" (every repository), "path/*" (every repository under
	// path) or one repository's name. Required.
	Repos string `yaml:"repos"`
	// Pull and Push are as in Access; unset means nobody.
	Pull Principals `yaml:"pull"`
	Push Principals `yaml:"push"`
}

// Principals is either the word "authenticated" or a list of names, each a
// group or a user.
type Principals struct {
	Authenticated bool
	Names         []string
	set           bool
}

// Authenticated is the keyword for "any valid user".
const Authenticated = "authenticated"

// UnmarshalYAML accepts a scalar keyword or a sequence of group names.
func (p *Principals) UnmarshalYAML(n *yaml.Node) error {
	p.set = true
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value != Authenticated {
			return fmt.Errorf("line %d: want %q or a list of groups and users, got %q", n.Line, Authenticated, n.Value)
		}
		p.Authenticated = true
		return nil
	case yaml.SequenceNode:
		return n.Decode(&p.Names)
	}
	return fmt.Errorf("line %d: want %q or a list of groups and users", n.Line, Authenticated)
}

// Image is a service's container image.
type Image struct {
	Image string `yaml:"image"`
}

// Groups maps a group name to its members.
type Groups map[string][]string

// UnmarshalYAML decodes the mapping pair by pair: the YAML library's own
// duplicate-key check for maps compares every key with every other, which
// makes specs with thousands of groups slow.
func (g *Groups) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: groups: want a mapping of group names to lists of users", n.Line)
	}
	out := make(Groups, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := out[k.Value]; dup {
			return fmt.Errorf("line %d: mapping key %q already defined", k.Line, k.Value)
		}
		var members []string
		if err := v.Decode(&members); err != nil {
			return err
		}
		if members == nil {
			members = []string{}
		}
		out[k.Value] = members
	}
	*g = out
	return nil
}
