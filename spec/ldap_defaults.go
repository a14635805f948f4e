package spec

import "github.com/regsetup/regsetup/model"

// LDAP defaults, each with its reason.
const (
	// DefaultLDAPTimeout (seconds): Apache tries an operation twice
	// (LDAPRetries 1), so a directory that accepts connections and never
	// answers costs 2 x 4 s, within docker's 15 s.
	DefaultLDAPTimeout = 4
	// DefaultNestedGroups is mod_authnz_ldap's own default depth.
	DefaultNestedGroups = 10
)

// preset is what a directory kind implies.
type preset struct {
	userAttribute  string
	filter         string // every account must match it
	groupAttribute []string
	subGroupClass  []string
	needsBindDN    bool
}

var presets = map[string]preset{
	model.DirectoryAD: {
		userAttribute: "sAMAccountName",
		// user objects whose userAccountControl has not the ACCOUNTDISABLE
		// bit (2), tested with LDAP_MATCHING_RULE_BIT_AND
		filter:         "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
		groupAttribute: []string{"member"},
		// without it, AD's nested groups are silently not followed
		subGroupClass: []string{"group"},
		needsBindDN:   true, // AD refuses anonymous searches
	},
	model.DirectoryOpenLDAP: {
		userAttribute:  "uid",
		filter:         "(objectClass=inetOrgPerson)",
		groupAttribute: []string{"member", "uniqueMember"},
		subGroupClass:  []string{"groupOfNames", "groupOfUniqueNames"},
	},
}

// setLDAPDefaults fills auth and auth.ldap; a written zero (port: 0,
// timeout: 0) is kept, so validation reports it.
func setLDAPDefaults(s *Spec, written positions) {
	if s.Auth.Backend == "" {
		s.Auth.Backend = BackendHTPasswd
	}
	l := s.Auth.LDAP
	if l == nil {
		return
	}
	if l.Directory == "" {
		l.Directory = model.DirectoryAD
	}
	if l.TLS == "" {
		// not ldaps: libldap does not time out an LDAPS handshake, so a
		// server that accepts connections and never answers would hold
		// every request; StartTLS is bounded by auth.ldap.timeout.
		l.TLS = model.TLSStartTLS
	}
	if _, ok := written["auth.ldap.port"]; !ok {
		l.Port = 389
		if l.TLS == model.TLSLDAPS {
			l.Port = 636
		}
	}
	if l.UserAttribute == "" {
		l.UserAttribute = presets[l.Directory].userAttribute
	}
	if l.NestedGroups == nil {
		n := DefaultNestedGroups
		l.NestedGroups = &n
	}
	if _, ok := written["auth.ldap.timeout"]; !ok {
		l.Timeout = DefaultLDAPTimeout
	}
}
