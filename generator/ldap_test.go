package generator

import (
	"regexp"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/model"
)

func ldapModel() *model.Model {
	emea := model.DirGroup{Name: "emea", DN: `CN=Pushers\, EMEA,OU=Groups,DC=corp,DC=example`}
	users := model.DirGroup{Name: "registry-users", DN: "CN=registry-users,OU=Groups,DC=corp,DC=example"}
	return &model.Model{
		Profile: model.ProfileSecure, Domain: "myregistrydomain.com", Port: 5043, ServerAdmin: "you@example.com",
		Users: []model.User{{Name: "ci-robot", Password: "x"}}, Groups: []model.Group{{Name: "robots", Members: []string{"ci-robot"}}},
		AuthCacheTTL: 60, DaemonGID: 1,
		LDAP: &model.LDAP{
			Directory: model.DirectoryAD, Servers: []string{"dc1.corp.example", "dc2.corp.example"}, TLS: model.TLSStartTLS, Port: 389,
			CAPEM: []byte("CA"), BaseDN: "OU=Corp Users,DC=corp,DC=example", UserAttribute: "sAMAccountName",
			Filter: "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))", BindDN: `CN=svc\, registry,DC=corp,DC=example`,
			BindPassword: "s3cret", GroupAttribute: []string{"member"}, SubGroupClass: []string{"group"}, NestedGroups: 10, Timeout: 4,
			Groups: []model.DirGroup{users, emea}, RequireGroup: "registry-users",
		},
		Access: model.Access{Rules: []model.Rule{{Repos: "team/*",
			Pull: model.Principals{Users: []string{"ci-robot"}, DirGroups: []model.DirGroup{users}},
			Push: model.Principals{Groups: []string{"robots"}, DirGroups: []model.DirGroup{emea}}}}},
	}
}

// TestLDAPConf: every AuthLDAP* directive is in <Location /v2> (a rule
// section with one would reset the others); group DNs are on Require
// lines with their backslashes doubled; the URL is percent-encoded; the
// bind password is not in the config.
func TestLDAPConf(t *testing.T) {
	conf, err := HTTPDConfig(ldapModel())
	if err != nil {
		t.Fatal(err)
	}
	text := string(conf)
	sections := regexp.MustCompile(`(?s)<LocationMatch.*?</LocationMatch>`).FindAllString(text, -1)
	if len(sections) == 0 {
		t.Fatal("no rule sections")
	}
	for _, sec := range sections {
		for _, line := range strings.Split(sec, "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && !strings.HasPrefix(f[0], "#") && !strings.HasPrefix(f[0], "<") && f[0] != "Require" {
				t.Errorf("rule section has %q; only Require lines belong there", line)
			}
		}
	}
	loc := text[strings.Index(text, "<Location /v2>"):strings.Index(text, "</Location>")]
	for _, want := range []string{
		"AuthBasicProvider file ldap",
		`AuthLDAPURL "ldap://dc1.corp.example:389 dc2.corp.example:389/OU=Corp%20Users,DC=corp,DC=example?sAMAccountName?sub?(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))" STARTTLS`,
		`AuthLDAPBindDN "CN=svc\\, registry,DC=corp,DC=example"`,
		`AuthLDAPBindPassword "exec:/bin/cat /usr/local/apache2/conf/ldap-bind.password"`,
		"AuthLDAPSubGroupClass group", "AuthLDAPMaxSubGroupDepth 10", "LDAPReferrals Off", "ErrorDocument 500 '{",
	} {
		if !strings.Contains(loc, want) {
			t.Errorf("<Location /v2> lacks %q:\n%s", want, loc)
		}
	}
	if n := strings.Count(text, "AuthLDAP"); n != strings.Count(loc, "AuthLDAP") {
		t.Errorf("%d AuthLDAP directives outside <Location /v2>", n-strings.Count(loc, "AuthLDAP"))
	}
	for _, want := range []string{`Require ldap-group CN=Pushers\\, EMEA,OU=Groups,DC=corp,DC=example`, "Require ldap-group CN=registry-users,OU=Groups,DC=corp,DC=example",
		"LDAPTrustedGlobalCert CA_BASE64 /usr/local/apache2/conf/ldap-ca.crt", "LDAPTimeout 4", "LDAPConnectionTimeout 4", "LDAPRetries 1", "LDAPCacheTTL 60", "LogLevel warn authnz_ldap:info"} {
		if !strings.Contains(text, want) {
			t.Errorf("httpd.conf lacks %q", want)
		}
	}
	if strings.Contains(text, "s3cret") {
		t.Error("httpd.conf holds the bind password")
	}
}

// TestLDAPFiles: the bind password is private to the daemon group, the
// CA is copied, and compose gives Apache LDAPTIMEOUT.
func TestLDAPFiles(t *testing.T) {
	m := ldapModel()
	files := LDAPFiles(m)
	if len(files) != 2 || files[0].Path != LDAPBindPassword || !files[0].Private || files[0].Mode != 0o640 || string(files[0].Data) != "s3cret\n" || files[1].Path != LDAPCA {
		t.Errorf("files: %+v", files)
	}
	compose, err := ComposeYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(compose), "LDAPTIMEOUT: \"4\"") {
		t.Errorf("compose lacks LDAPTIMEOUT:\n%s", compose)
	}
	m.LDAP = nil
	if LDAPFiles(m) != nil || LDAPEnv(m) != nil {
		t.Error("files or environment without a directory")
	}
}

func TestURLEscape(t *testing.T) {
	if got, want := urlEscape(`CN=a\, b?%"x`), `CN=a%5C,%20b%3F%25%22x`; got != want {
		t.Errorf("urlEscape = %q, want %q", got, want)
	}
}
