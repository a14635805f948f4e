package spec

// Defaults, each with its reason.
const (
	// DefaultPort is the recipe's port.
	DefaultPort = 5043
	// DefaultServerAdmin is the recipe's address.
	DefaultServerAdmin = "you@example.com"
	// DefaultBcryptCost is what `htpasswd -B` uses, and what the recipe's
	// hashes carry ($2y$05$).
	DefaultBcryptCost = 5
	// DefaultRegistryImage and DefaultApacheImage are the recipe's images.
	DefaultRegistryImage = "registry:2"
	DefaultApacheImage   = "httpd:2.4"
	// DefaultAuthCache (seconds) bounds how long a changed password may
	// still work in the worst case; the htpasswd file's change ends it sooner.
	DefaultAuthCache = 60
	// DefaultCert and DefaultKey are the file names the recipe copies.
	DefaultCert = "domain.crt"
	DefaultKey  = "domain.key"
)

// setDefaults fills what the spec leaves out; a key written with a zero
// value (port: 0) is kept, so validation reports it.
func setDefaults(s *Spec, written positions) {
	if s.Profile == "" {
		s.Profile = "secure" // safe unless the exact document is asked for
	}
	if _, ok := written["port"]; !ok {
		s.Port = DefaultPort
	}
	if s.ServerAdmin == "" {
		s.ServerAdmin = DefaultServerAdmin
	}
	if !s.TLS.Generate {
		if s.TLS.Cert == "" {
			s.TLS.Cert = DefaultCert
		}
		if s.TLS.Key == "" {
			s.TLS.Key = DefaultKey
		}
	}
	if !s.Access.Pull.set && len(s.Access.Rules) == 0 {
		s.Access.Pull = Principals{Authenticated: true} // the recipe: any valid user reads
	}
	if _, ok := written["bcrypt_cost"]; !ok {
		s.BcryptCost = DefaultBcryptCost
	}
	if s.AuthCache == nil && s.Profile != "recipe" && s.Apache.Mode != ModeInclude {
		ttl := DefaultAuthCache // bcrypt per request costs more than TLS and proxying together
		s.AuthCache = &ttl
	}
	if s.Registry.Image == "" {
		s.Registry.Image = DefaultRegistryImage
	}
	if s.Apache.Image == "" {
		s.Apache.Image = DefaultApacheImage
	}
	apacheDefaults(&s.Apache)
	setLDAPDefaults(s, written)
	setDeployDefaults(s, written)
}
