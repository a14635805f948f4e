package generator

import (
	"bytes"
	"fmt"

	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/templates"
)

// confData is what templates.HTTPDConf reads. Every string in it is made of
// validated names only (see package spec).
type confData struct {
	Secure       bool
	ServerAdmin  string
	Port         int
	Domain       string
	AuthCache    int    // secure: seconds a password check is remembered; 0 = off
	Authz        string // secure: the Require containers of <Location /v2>
	RuleSections string // secure: per-repository <LocationMatch> sections
	PullRequire  string // recipe: inside <Limit GET HEAD>
	PushRequire  string // recipe: inside <Limit POST PUT DELETE PATCH>
	// WorkersGID (secure) is the group Apache's workers run as when it is
	// not the image's daemon group (`Group #N`); 0 keeps `Group daemon`.
	WorkersGID int
	// ConfDir is the folder Apache reads the password, group and cache
	// files from: the container's mount, or OUT/auth for an existing Apache.
	ConfDir string
	// LDAPServer and LDAPLocation (secure, auth.backend: ldap) are the
	// directory's server-level and <Location /v2> directives.
	LDAPServer   string
	LDAPLocation string
	// Spread (swarm, kubernetes): a new backend connection per request,
	// so requests spread over the registry's replicas (Swarm's DNS round
	// robin, no VIP; kube-proxy per connection behind the Service), and a
	// replica that went away during a rollout is not held against the
	// name for 60 s (retry=0).
	Spread bool
	// BlobRoot (secure, Apache.ServeBlobs) is the registry's storage
	// root as Apache sees it; NameRE a repository name, as the registry
	// accepts it.
	BlobRoot string
	NameRE   string
}

// repositoryNameRE is the path-component part of the registry's repository
// name grammar (distribution/reference: components of lower-case letters
// and digits, joined by '.', '_', "__" or dashes, separated by '/'). It
// cannot hold "..", '%' or ':'; the names it leaves out (a host-like first
// component such as "Host:5000/app") are proxied to the registry.
const repositoryNameRE = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*`

// HTTPDConfig renders auth/httpd.conf.
func HTTPDConfig(m *model.Model) ([]byte, error) {
	d := confData{
		Secure:       m.Profile == model.ProfileSecure,
		ServerAdmin:  m.ServerAdmin,
		Port:         m.Port,
		Domain:       m.Domain,
		AuthCache:    m.AuthCacheTTL,
		Authz:        locationAuthz(m.Access),
		RuleSections: ruleSections(m.Access),
		PullRequire:  recipeRequire(m.Access.Pull),
		PushRequire:  recipeRequire(m.Access.Push),
		ConfDir:      apacheConfDir,
		Spread:       m.Deploy.OnSwarm() || m.Deploy.OnKubernetes(),
	}
	if m.BlobsFromStorage() {
		d.BlobRoot, d.NameRE = RegistryDataDir+"/docker/registry/v2", repositoryNameRE
	}
	if d.Secure && m.DaemonGID != model.DaemonGroup {
		d.WorkersGID = m.DaemonGID
	}
	if d.Secure && m.LDAP != nil {
		d.LDAPServer, d.LDAPLocation = ldapServerConf(m), ldapLocationConf(m)
	}
	var b bytes.Buffer
	if err := templates.HTTPDConf.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("rendering httpd.conf: %w", err)
	}
	return b.Bytes(), nil
}

// AuthCacheScript renders auth/authcache.lua, or nil when the model has no
// password cache.
func AuthCacheScript(m *model.Model) ([]byte, error) {
	if m.AuthCacheTTL <= 0 {
		return nil, nil
	}
	var b bytes.Buffer
	data := struct {
		TTL, Guard int
		HTPasswd   string
	}{TTL: m.AuthCacheTTL, HTPasswd: htpasswdPath(m)}
	if m.Profile == model.ProfileSecure && m.LDAP != nil {
		data.Guard = LockoutHold
	}
	if err := templates.AuthCache.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("rendering authcache.lua: %w", err)
	}
	return b.Bytes(), nil
}
