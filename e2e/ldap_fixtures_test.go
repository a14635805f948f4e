package e2e

import (
	"testing"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// adSchema imitates Active Directory's names on OpenLDAP: OpenLDAP's own
// AD schema cannot match sAMAccountName, so these few definitions carry
// AD's attribute and class names (users are "user" objects with
// sAMAccountName and userAccountControl, groups are "group" objects whose
// member values may be other groups).
const adSchema = `
attributetype ( 1.3.6.1.4.1.55555.1.1 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.2 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.3 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.2.1 NAME 'user' SUP organizationalPerson STRUCTURAL MAY ( sAMAccountName $ userAccountControl $ userPrincipalName ) )
objectclass ( 1.3.6.1.4.1.55555.2.2 NAME 'group' SUP top STRUCTURAL MUST cn MAY ( member $ sAMAccountName $ description ) )
`

// adUser is one AD-shaped account: uac 512 is a normal account, 514 a
// disabled one (bit 2).
func adUser(cn, sam, pass, uac string) string {
	return "dn: CN=" + cn + ",OU=Corp Users,DC=corp,DC=example\nobjectClass: user\ncn: " + unescapeDN(cn) + "\nsn: " + sam +
		"\nsAMAccountName: " + sam + "\nuserPrincipalName: " + sam + "@corp.example\nuserAccountControl: " + uac + "\nuserPassword: " + pass + "\n\n"
}

// unescapeDN is an RDN value as the attribute holds it (Smith\, Dave -> Smith, Dave).
func unescapeDN(v string) string {
	out := []byte{}
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		out = append(out, v[i])
	}
	return string(out)
}

const (
	adBase  = "DC=corp,DC=example"
	adUsers = "OU=Corp Users," + adBase
	adGrp   = "OU=Groups," + adBase
)

// adTree: alice pushes (registry-push) and reads (registry-users, which
// holds registry-push); bob only reads; carol pushes through team-a inside
// registry-push (nested); dave's DN and his group's DN carry an escaped
// comma; erin is in registry-push but disabled; frank is in no group.
var adTree = stacktest.LDAPDatabase{Suffix: adBase, LDIF: "dn: " + adBase + "\nobjectClass: dcObject\nobjectClass: organization\ndc: corp\no: corp\n\n" +
	"dn: " + adUsers + "\nobjectClass: organizationalUnit\nou: Corp Users\n\n" +
	"dn: " + adGrp + "\nobjectClass: organizationalUnit\nou: Groups\n\n" +
	"dn: OU=Service Accounts," + adBase + "\nobjectClass: organizationalUnit\nou: Service Accounts\n\n" +
	"dn: CN=svc-registry,OU=Service Accounts," + adBase + "\nobjectClass: user\ncn: svc-registry\nsn: svc\nsAMAccountName: svc-registry\nuserAccountControl: 512\nuserPassword: svc-secret\n\n" +
	adUser("Alice Example", "alice", "alice-pass", "512") +
	adUser("Bob Example", "bob", "bob-pass", "512") +
	adUser("Carol Example", "carol", "carol-pass", "512") +
	adUser(`Smith\, Dave`, "dave", "dave-pass", "512") +
	adUser("Erin Example", "erin", "erin-pass", "514") +
	adUser("Frank Example", "frank", "frank-pass", "512") +
	"dn: CN=team-a," + adGrp + "\nobjectClass: group\ncn: team-a\nmember: CN=Carol Example," + adUsers + "\n\n" +
	"dn: CN=registry-push," + adGrp + "\nobjectClass: group\ncn: registry-push\nmember: CN=Alice Example," + adUsers + "\nmember: CN=Erin Example," + adUsers + "\nmember: CN=team-a," + adGrp + "\n\n" +
	"dn: CN=registry-users," + adGrp + "\nobjectClass: group\ncn: registry-users\nmember: CN=Bob Example," + adUsers + "\nmember: CN=registry-push," + adGrp + "\n\n" +
	`dn: CN=Pushers\, EMEA,` + adGrp + "\nobjectClass: group\ncn: Pushers, EMEA\nmember: CN=Smith\\, Dave," + adUsers + "\n\n",
}

const olBase = "dc=example,dc=org"

func olUser(uid, pass string) string {
	return "dn: uid=" + uid + ",ou=people," + olBase + "\nobjectClass: inetOrgPerson\nuid: " + uid + "\ncn: " + uid + "\nsn: " + uid + "\nuserPassword: " + pass + "\n\n"
}

// olTree is OpenLDAP-shaped: inetOrgPerson accounts, groupOfNames groups;
// olivia pushes, paul reads, quinn pushes through devs inside pushers,
// rita is in no group.
var olTree = stacktest.LDAPDatabase{Suffix: olBase, LDIF: "dn: " + olBase + "\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n" +
	"dn: ou=people," + olBase + "\nobjectClass: organizationalUnit\nou: people\n\n" +
	"dn: ou=groups," + olBase + "\nobjectClass: organizationalUnit\nou: groups\n\n" +
	olUser("svc-registry", "svc-secret") + olUser("olivia", "olivia-pass") + olUser("paul", "paul-pass") + olUser("quinn", "quinn-pass") + olUser("rita", "rita-pass") +
	"dn: cn=devs,ou=groups," + olBase + "\nobjectClass: groupOfNames\ncn: devs\nmember: uid=quinn,ou=people," + olBase + "\n\n" +
	"dn: cn=pushers,ou=groups," + olBase + "\nobjectClass: groupOfNames\ncn: pushers\nmember: uid=olivia,ou=people," + olBase + "\nmember: cn=devs,ou=groups," + olBase + "\n\n" +
	"dn: cn=readers,ou=groups," + olBase + "\nobjectClass: groupOfNames\ncn: readers\nmember: uid=paul,ou=people," + olBase + "\n\n",
}

// startDirectory runs one slapd with both trees.
func startDirectory(t *testing.T) *stacktest.Directory {
	t.Helper()
	return stacktest.StartLDAP(t, stacktest.LDAPOptions{Schema: adSchema, Databases: []stacktest.LDAPDatabase{adTree, olTree}})
}
