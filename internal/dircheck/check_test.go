package dircheck

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	_ "github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/model"
)

const base = "dc=example,dc=org"

// tree: a service account, one person, one group; and an entry under
// the groups that is no group.
var tree = stacktest.LDAPDatabase{Suffix: base, LDIF: "dn: " + base + "\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n" +
	"dn: ou=people," + base + "\nobjectClass: organizationalUnit\nou: people\n\n" +
	"dn: ou=groups," + base + "\nobjectClass: organizationalUnit\nou: groups\n\n" +
	"dn: uid=svc,ou=people," + base + "\nobjectClass: inetOrgPerson\nuid: svc\ncn: svc\nsn: svc\nuserPassword: svc-secret\n\n" +
	"dn: uid=olivia,ou=people," + base + "\nobjectClass: inetOrgPerson\nuid: olivia\ncn: olivia\nsn: olivia\nuserPassword: olivia-pass\n\n" +
	"dn: cn=pushers,ou=groups," + base + "\nobjectClass: groupOfNames\ncn: pushers\nmember: uid=olivia,ou=people," + base + "\n\n" +
	"dn: cn=not-a-group,ou=groups," + base + "\nobjectClass: organizationalRole\ncn: not-a-group\n\n",
}

// directory is auth.ldap for d as the spec would give it.
func directory(d *stacktest.Directory, tls string) *model.LDAP {
	port := d.Port
	if tls == model.TLSLDAPS {
		port = d.TLSPort
	}
	l := &model.LDAP{
		Directory: model.DirectoryOpenLDAP, Servers: []string{"127.0.0.1"}, TLS: tls, Port: port, CAPEM: d.CAPEM,
		BaseDN: "ou=people," + base, UserAttribute: "uid", Filter: "(objectClass=inetOrgPerson)",
		BindDN: "uid=svc,ou=people," + base, BindPassword: "svc-secret",
		SubGroupClass: []string{"groupOfNames", "groupOfUniqueNames"}, Timeout: 2,
		Groups: []model.DirGroup{{Name: "pushers", DN: "cn=pushers,ou=groups," + base}},
	}
	if tls == model.TLSNone {
		l.CAPEM = nil
	}
	return l
}

// otherCA is a CA that signed nothing the directory presents.
func otherCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Other Corp Root CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	return b.Bytes()
}

// TestCheck provokes each failure for real on slapd, and checks what
// the report says (and that it passes when nothing is wrong).
func TestCheck(t *testing.T) {
	d := stacktest.StartLDAP(t, stacktest.LDAPOptions{Databases: []stacktest.LDAPDatabase{tree}})
	hung := stacktest.HungListener(t)
	for _, tc := range []struct {
		name   string
		tls    string
		mutate func(*model.LDAP)
		check  string // the failing check; "" = every check passes
		says   []string
	}{
		{name: "ldaps", tls: model.TLSLDAPS},
		{name: "starttls", tls: model.TLSStartTLS},
		{name: "plaintext", tls: model.TLSNone},
		{name: "ldaps-wrong-ca", tls: model.TLSLDAPS, mutate: func(l *model.LDAP) { l.CAPEM = otherCA(t) },
			check: CheckTLS, says: []string{"TLS not trusted", `issued by "CN=stacktest LDAP CA"`, `auth.ldap.ca: "CN=Other Corp Root CA"`}},
		{name: "starttls-wrong-ca", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) { l.CAPEM = otherCA(t) },
			check: CheckTLS, says: []string{"TLS not trusted", `"CN=Other Corp Root CA"`}},
		{name: "system-roots", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) { l.CAPEM = nil },
			check: CheckTLS, says: []string{"TLS not trusted", "the system's trusted CAs"}},
		{name: "ldaps-on-the-plain-port", tls: model.TLSLDAPS, mutate: func(l *model.LDAP) { l.Port = d.Port },
			check: CheckTLS, says: []string{"does this port speak ldaps"}},
		{name: "wrong-bind-password", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) { l.BindPassword = "stale" },
			check: CheckBind, says: []string{"service bind is refused (invalid credentials)", "uid=svc,ou=people"}},
		{name: "base-dn-missing", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) { l.BaseDN = "ou=staff," + base },
			check: CheckBaseDN, says: []string{"auth.ldap.base_dn ou=staff,dc=example,dc=org: does not exist", "nearest entry that does: " + base}},
		{name: "group-dn-missing", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) {
			l.Groups = append(l.Groups, model.DirGroup{Name: "readers", DN: "cn=readers,ou=groups," + base})
		}, check: CheckGroup, says: []string{"auth.ldap.groups.readers cn=readers,ou=groups,dc=example,dc=org: does not exist"}},
		{name: "group-dn-not-a-group", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) {
			l.Groups = []model.DirGroup{{Name: "odd", DN: "cn=not-a-group,ou=groups," + base}}
		}, check: CheckGroup, says: []string{"is not a group", "organizationalRole"}},
		{name: "filter-finds-nobody", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) { l.Filter = "(uid=nobody-here)" },
			check: CheckAccounts, says: []string{"no account under base_dn matches the filter (uid=nobody-here)"}},
		{name: "server-hangs", tls: model.TLSStartTLS, mutate: func(l *model.LDAP) { l.Port = hung },
			check: CheckTLS, says: []string{"StartTLS: the server did not answer within 2s"}},
		{name: "server-hangs-ldaps", tls: model.TLSLDAPS, mutate: func(l *model.LDAP) { l.Port = hung },
			check: CheckTLS, says: []string{"no answer within 2s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := directory(d, tc.tls)
			if tc.mutate != nil {
				tc.mutate(l)
			}
			start := time.Now()
			rep := Check(context.Background(), l, Options{})
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("took %v; each phase is bounded by 2 s", took)
			}
			problems := strings.Join(rep.Problems(), "\n")
			t.Logf("%s\n%s", rep.Summary(), problems)
			if tc.check == "" {
				if !rep.OK() || len(rep.Results) != 6 {
					t.Fatalf("want every check to pass: %+v", rep.Results)
				}
				return
			}
			if rep.OK() {
				t.Fatalf("passed; want %s to fail", tc.check)
			}
			var failed []string
			for _, r := range rep.Results {
				if !r.OK {
					failed = append(failed, r.Check)
				}
			}
			if len(failed) != 1 || failed[0] != tc.check {
				t.Errorf("failed checks %v, want only %s", failed, tc.check)
			}
			for _, s := range tc.says {
				if !strings.Contains(problems, s) {
					t.Errorf("the report does not say %q:\n%s", s, problems)
				}
			}
			if strings.Contains(problems, "svc-secret") || strings.Contains(problems, "stale") {
				t.Errorf("a password is in the report:\n%s", problems)
			}
		})
	}
}

// TestCheckServerDown: a server that stopped cannot be reached; the
// second server of the list is still checked.
func TestCheckServerDown(t *testing.T) {
	d := stacktest.StartLDAP(t, stacktest.LDAPOptions{Databases: []stacktest.LDAPDatabase{tree}})
	l := directory(d, model.TLSStartTLS)
	l.Servers = []string{"127.0.0.1", "localhost"}
	if rep := Check(context.Background(), l, Options{}); !rep.OK() || len(rep.Results) != 12 {
		t.Fatalf("both up: %v", rep.Problems())
	}
	d.Stop()
	rep := Check(context.Background(), l, Options{})
	problems := rep.Problems()
	if len(problems) != 2 || !strings.Contains(problems[0], "127.0.0.1:") || !strings.Contains(problems[0], "cannot reach the server: connect: connection refused") {
		t.Errorf("problems: %q", problems)
	}
}
