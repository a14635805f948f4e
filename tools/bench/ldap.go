package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// KindSecureLDAP is regsetup's secure profile with the directory backend
// (auth.backend: ldap): no local accounts, the bench users are OpenLDAP
// accounts of a throw-away slapd on loopback, asked over StartTLS with a
// private CA; push is a directory group. auth_cache keeps its default
// (60 s), so mod_ldap's cache answers repeated credentials as the
// rendered config does in production.
const KindSecureLDAP = "regsetup-secure-ldap"

// KindSecureLDAPNoCache is KindSecureLDAP with auth_cache: 0: every
// request binds at the directory (not in DefaultVariants).
const KindSecureLDAPNoCache = "regsetup-secure-ldap-nocache"

const benchBase = "dc=bench,dc=example"

// benchLDAPSpec is benchSpec's access with the users in the directory.
var benchLDAPSpec = template.Must(template.New("ldap").Parse(specServer + `{{if .NoCache}}auth_cache: 0
{{end}}auth:
  backend: ldap
  ldap:
    directory: openldap
    servers: [127.0.0.1]
    port: {{.LDAPPort}}
    tls: starttls
    ca: ldap-ca.pem
    base_dn: ou=people,` + benchBase + `
    bind_dn: uid=svc,ou=people,` + benchBase + `
    bind_password_file: svc.password
    require_group: users
    groups:
      users: cn=users,ou=groups,` + benchBase + `
      pusher: cn=pusher,ou=groups,` + benchBase + `
access:
  pull: authenticated
  push: [pusher]
`))

// benchTree holds the bench users (their passwords are the run's) and
// the service account; the push user is in pusher, both in users.
func benchTree(c credentials, svc string) stacktest.LDAPDatabase {
	person := func(uid, pass string) string {
		return "dn: uid=" + uid + ",ou=people," + benchBase + "\nobjectClass: inetOrgPerson\nuid: " + uid + "\ncn: " + uid + "\nsn: " + uid + "\nuserPassword: " + pass + "\n\n"
	}
	dn := func(uid string) string { return "uid=" + uid + ",ou=people," + benchBase }
	return stacktest.LDAPDatabase{Suffix: benchBase, LDIF: "dn: " + benchBase + "\nobjectClass: dcObject\nobjectClass: organization\ndc: bench\no: bench\n\n" +
		"dn: ou=people," + benchBase + "\nobjectClass: organizationalUnit\nou: people\n\n" +
		"dn: ou=groups," + benchBase + "\nobjectClass: organizationalUnit\nou: groups\n\n" +
		person("svc", svc) + person(PullUser, c.PullPassword) + person(PushUser, c.PushPassword) +
		"dn: cn=pusher,ou=groups," + benchBase + "\nobjectClass: groupOfNames\ncn: pusher\nmember: " + dn(PushUser) + "\n\n" +
		"dn: cn=users,ou=groups," + benchBase + "\nobjectClass: groupOfNames\ncn: users\nmember: " + dn(PullUser) + "\nmember: cn=pusher,ou=groups," + benchBase + "\n\n",
	}
}

// ldapRun is the secure stack and the directory behind it.
type ldapRun struct {
	*apacheRun
	d *stacktest.Directory
}

func (l *ldapRun) stop() {
	l.apacheRun.stop()
	l.d.Stop()
}

// startLDAP starts slapd with the bench users, then the secure profile
// rendered with auth.backend: ldap against it (with auth_cache: 0 when
// noCache).
func startLDAP(e *env, name, dir, key string, noCache bool) (running, error) {
	svc, err := newCredentials()
	if err != nil {
		return nil, err
	}
	slapdDir := filepath.Join(dir, "slapd")
	if err := os.Mkdir(slapdDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the directory's folder: %w", err)
	}
	d, err := stacktest.RunLDAP(slapdDir, stacktest.LDAPOptions{Databases: []stacktest.LDAPDatabase{benchTree(e.creds, svc.PullPassword)}})
	if err != nil {
		return nil, fmt.Errorf("%s: starting slapd: %w", name, err)
	}
	port, err := freePort()
	if err != nil {
		d.Stop()
		return nil, err
	}
	var spec bytes.Buffer
	if err := benchLDAPSpec.Execute(&spec, map[string]any{"Port": port, "Cost": e.opts.BcryptCost, "LDAPPort": d.Port, "NoCache": noCache}); err != nil {
		d.Stop()
		return nil, fmt.Errorf("rendering the spec: %w", err)
	}
	if err := renderSpec(e, dir, "secure", key, spec.Bytes(), map[string][]byte{"ldap-ca.pem": d.CAPEM, "svc.password": []byte(svc.PullPassword)}); err != nil {
		d.Stop()
		return nil, err
	}
	a, err := startRendered(e, name, dir, port, "secure", "")
	if err != nil {
		d.Stop()
		return nil, err
	}
	return &ldapRun{apacheRun: a, d: d}, nil
}
