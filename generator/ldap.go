package generator

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/regsetup/regsetup/model"
)

// Directory artifacts (auth.backend: ldap), relative to the output folder.
const (
	LDAPBindPassword = "auth/ldap-bind.password"
	LDAPCA           = "auth/ldap-ca.crt"
)

// LockoutHold (seconds) is how long the lockout guard refuses a user name
// and password that just failed.
const LockoutHold = 30

// confDir is where the container (and stacktest) mounts auth/.
const confDir = "/usr/local/apache2/conf/"

// ldapUnavailable is the body of a 500: every LDAP failure (directory down,
// hung, TLS not trusted, service bind refused) is one, and docker prints
// the message of a registry-style body.
const ldapUnavailable = `{"errors":[{"code":"UNAVAILABLE","message":"the proxy could not reach the user directory (LDAP); the reason is in the error log of the proxy"}]}`

// ldapServerConf is the server-level part of the directory backend:
// modules, the CA, bounded timeouts and the cache.
func ldapServerConf(m *model.Model) string {
	d := m.LDAP
	var l lines
	l.add(0, "# secure: directory sign-in (auth.backend: ldap, %s).", d.Directory)
	l.add(0, "LoadModule ldap_module modules/mod_ldap.so")
	l.add(0, "LoadModule authnz_ldap_module modules/mod_authnz_ldap.so")
	if d.CAPEM != nil {
		l.add(0, "# secure: the directory's certificates are checked against this CA only.")
		l.add(0, "LDAPTrustedGlobalCert CA_BASE64 %s", confDir+strings.TrimPrefix(LDAPCA, "auth/"))
	}
	l.add(0, "LDAPVerifyServerCert On")
	l.add(0, "# secure: a directory that is down or hangs answers within 2 x %d s (docker gives up", d.Timeout)
	l.add(0, "# after 15 s; the defaults hold a request for about 4 minutes), as a 500 with a JSON body.")
	if d.TLS == model.TLSLDAPS {
		l.add(0, "# secure: except over ldaps from a server that accepts the connection and never answers:")
		l.add(0, "# libldap does not time out the TLS handshake (tls: starttls is bounded).")
	}
	l.add(0, "LDAPConnectionTimeout %d", d.Timeout)
	l.add(0, "LDAPTimeout %d", d.Timeout)
	l.add(0, "LDAPRetries 1")
	l.add(0, "LDAPRetryDelay 0")
	if m.AuthCacheTTL > 0 {
		l.add(0, "# secure: mod_ldap remembers a successful sign-in (it keeps the password in shared")
		l.add(0, "# memory) and group checks for auth_cache (%d s): a changed password, a disabled", m.AuthCacheTTL)
		l.add(0, "# account or a removed membership takes up to that long; failures are never remembered.")
		l.add(0, "LDAPCacheTTL %d", m.AuthCacheTTL)
		l.add(0, "LDAPOpCacheTTL %d", m.AuthCacheTTL)
		l.add(0, "LDAPCacheEntries 1024")
		l.add(0, "LDAPOpCacheEntries 10000")
		l.add(0, "LDAPSharedCacheSize 8000000")
	} else {
		l.add(0, "# secure: auth_cache is 0: every request asks the directory.")
		l.add(0, "LDAPCacheEntries 0")
		l.add(0, "LDAPOpCacheEntries 0")
	}
	return l.String()
}

// ldapLocationConf is the <Location /v2> part: every AuthLDAP* directive
// is here and nowhere else, because mod_authnz_ldap does not merge
// sections: one AuthLDAP* line in a rule section would reset the others.
func ldapLocationConf(m *model.Model) string {
	d := m.LDAP
	var l lines
	providers := "ldap"
	if len(m.Users) > 0 {
		providers = "file ldap"
	}
	l.add(2, "# secure: local accounts (httpd.htpasswd) first, then the directory.")
	l.add(2, "AuthBasicProvider %s", providers)
	l.add(2, "AuthLDAPURL %s", ldapURL(d))
	if d.BindDN != "" {
		l.add(2, "AuthLDAPBindDN %s", quoteConf(d.BindDN))
		l.add(2, "# secure: the password is read from its file at start and reload, never written here.")
		l.add(2, "AuthLDAPBindPassword %s", quoteConf("exec:/bin/cat "+confDir+strings.TrimPrefix(LDAPBindPassword, "auth/")))
	}
	l.add(2, "# secure: the name in logs and rules is the directory's spelling of it.")
	l.add(2, "AuthLDAPRemoteUserAttribute %s", d.UserAttribute)
	l.add(2, "AuthLDAPGroupAttribute %s", strings.Join(d.GroupAttribute, " "))
	l.add(2, "AuthLDAPGroupAttributeIsDN on")
	l.add(2, "AuthLDAPSubGroupAttribute %s", strings.Join(d.GroupAttribute, " "))
	l.add(2, "AuthLDAPSubGroupClass %s", strings.Join(d.SubGroupClass, " "))
	l.add(2, "AuthLDAPMaxSubGroupDepth %d", d.NestedGroups)
	l.add(2, "# secure: referrals (AD's answer to searches near the domain root) would give a 500.")
	l.add(2, "LDAPReferrals Off")
	if m.AuthCacheTTL > 0 {
		l.add(2, "# secure: authcache.lua (below) remembers local accounts only: it needs their line in")
		l.add(2, "# httpd.htpasswd, which directory accounts do not have; mod_ldap's cache serves those.")
		l.add(2, "# Its lockout guard refuses a name and password that just failed for %d s without", LockoutHold)
		l.add(2, "# asking the directory again: a stale password costs one failed bind per process, not")
		l.add(2, "# one per request (the directory may lock the account after a few).")
		l.add(2, "LuaHookCheckUserID %sauthcache.lua guard_check early", confDir)
		l.add(2, "LuaHookLog %sauthcache.lua guard_log", confDir)
	}
	l.add(2, "# secure: every directory failure is a 500; this body makes docker print why.")
	l.add(2, "ErrorDocument 500 '%s'", ldapUnavailable)
	l.add(2, `Header always set Content-Type "application/json; charset=utf-8" "expr=%%{REQUEST_STATUS} == 500"`)
	return l.String()
}

// ldapURL is the AuthLDAPURL argument, quoted, with its mode: the
// servers in order, the base DN, the login attribute, a subtree search
// and the filter. The DN and the filter are percent-encoded (apr-util
// decodes them), so nothing in them can end the URL, its quotes or the
// directive.
func ldapURL(d *model.LDAP) string {
	scheme := "ldap"
	if d.TLS == model.TLSLDAPS {
		scheme = "ldaps"
	}
	hosts := make([]string, len(d.Servers))
	for i, h := range d.Servers {
		hosts[i] = h + ":" + strconv.Itoa(d.Port)
	}
	u := fmt.Sprintf(`"%s://%s/%s?%s?sub?%s"`, scheme, strings.Join(hosts, " "), urlEscape(d.BaseDN), d.UserAttribute, urlEscape(d.Filter))
	if d.TLS == model.TLSStartTLS {
		u += " STARTTLS"
	}
	return u
}

// urlEscape percent-encodes every byte but letters, digits and the
// characters DNs and filters are made of that mean nothing to a URL.
func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("=,.-_()&|!*:~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// quoteConf quotes a directive argument: backslashes are doubled, as
// Apache's parser halves them inside quotes. The value has no '"' (package
// spec refuses them).
func quoteConf(s string) string {
	return `"` + strings.ReplaceAll(s, `\`, `\\`) + `"`
}

// LDAPFiles are the directory's artifacts: the service account's password
// and the CA, when the model has them.
func LDAPFiles(m *model.Model) []File {
	if m.LDAP == nil {
		return nil
	}
	var out []File
	if m.LDAP.BindDN != "" {
		out = append(out, File{Path: LDAPBindPassword, Data: []byte(m.LDAP.BindPassword.Reveal() + "\n"), Mode: 0o640, Private: true, GID: m.DaemonGID})
	}
	if m.LDAP.CAPEM != nil {
		out = append(out, File{Path: LDAPCA, Data: m.LDAP.CAPEM, Mode: 0o644})
	}
	return out
}

// LDAPEnv is the Apache process's environment for the directory backend:
// LDAPTIMEOUT makes libldap's default operation timeout auth.ldap.timeout.
// mod_ldap sets its own (LDAPTimeout) only after it has started TLS on a
// connection, so without this a StartTLS to a directory that accepts the
// connection and never answers holds the request for good (measured).
func LDAPEnv(m *model.Model) []string {
	if m.LDAP == nil || m.Profile != model.ProfileSecure {
		return nil
	}
	return []string{"LDAPTIMEOUT=" + strconv.Itoa(m.LDAP.Timeout)}
}
