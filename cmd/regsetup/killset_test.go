package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
)

// killSpec is one of the two specs the kill test switches between; every
// auth file differs between them.
type killSpec struct {
	index  int
	name   string
	domain string
	users  []string
	groups map[string][]string
}

var killSpecs = [2]killSpec{
	{0, "a", "alpha.kill.test", []string{"ann-a", "abe-a"}, map[string][]string{"pushers-a": {"ann-a"}}},
	{1, "b", "beta.kill.test", []string{"ben-b", "bea-b", "bob-b"}, map[string][]string{"pushers-b": {"bob-b", "ben-b"}}},
}

// yaml is the spec text.
func (k killSpec) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "domain: %s\ntls:\n  generate: true\nbcrypt_cost: 4\nusers:\n", k.domain)
	for _, u := range k.users {
		fmt.Fprintf(&b, "  - name: %s\n    password: pw-%s\n", u, u)
	}
	b.WriteString("groups:\n")
	for _, g := range slices.Sorted(maps.Keys(k.groups)) {
		fmt.Fprintf(&b, "  %s: [%s]\n", g, strings.Join(k.groups[g], ", "))
	}
	fmt.Fprintf(&b, "access:\n  push: [%s]\n", slices.Sorted(maps.Keys(k.groups))[0])
	return b.String()
}

// writeKillSpecs writes both specs and returns their paths by name.
func writeKillSpecs(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for _, k := range killSpecs {
		p := filepath.Join(dir, k.name+".yaml")
		if err := os.WriteFile(p, []byte(k.yaml()), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[k.name] = p
	}
	return paths
}

// canConfigTest reports whether httpd -t can run here; under CI=true a
// missing httpd fails the test.
func canConfigTest(t *testing.T) bool {
	t.Helper()
	if _, err := os.Stat("/usr/local/apache2/bin/httpd"); err != nil || os.Geteuid() != 0 {
		if testenv.InCI() {
			testenv.Missing(t, "/usr/local/apache2/bin/httpd (and root, for its mount namespace)")
		}
		t.Log("no /usr/local/apache2/bin/httpd or not root: the sets are not checked with httpd -t")
		return false
	}
	return true
}

// artifacts are the auth/ files every kill spec renders.
var artifacts = []string{"httpd.conf", "httpd.htpasswd", "httpd.groups", "domain.crt", "domain.key"}

// checkLayout fails unless OUT/auth is a real folder whose .current points
// to a set folder and whose artifacts are the links .current/NAME.
func checkLayout(t *testing.T, out string) {
	t.Helper()
	auth := filepath.Join(out, outdir.AuthDir)
	if st, err := os.Lstat(auth); err != nil || !st.IsDir() {
		t.Errorf("auth is not a real folder: %v", err)
		return
	}
	set, err := outdir.CurrentSet(out)
	if err != nil || !strings.HasPrefix(set, ".set-") {
		t.Errorf("auth/%s points to %q (%v), not to a set", outdir.CurrentLink, set, err)
	} else if st, err := os.Stat(filepath.Join(auth, set)); err != nil || !st.IsDir() {
		t.Errorf("auth/%s points to %s, which is no folder: %v", outdir.CurrentLink, set, err)
	}
	for _, n := range artifacts {
		if target, err := os.Readlink(filepath.Join(auth, n)); err != nil || target != outdir.CurrentLink+"/"+n {
			t.Errorf("auth/%s is not the link %s/%s: %q %v", n, outdir.CurrentLink, n, target, err)
		}
	}
}

// checkSet checks the layout, reads OUT/auth and returns the spec all five
// files belong to, failing the test when one is missing or they belong to
// different specs.
func checkSet(t *testing.T, out string, configTest bool) killSpec {
	t.Helper()
	checkLayout(t, out)
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(out, "auth", name))
		if err != nil {
			t.Errorf("auth/%s: %v", name, err)
		}
		return data
	}
	conf, cert, key := read("httpd.conf"), read("domain.crt"), read("domain.key")
	users, groups := htpasswdUsers(read("httpd.htpasswd")), groupFile(read("httpd.groups"))
	if t.Failed() {
		return killSpec{}
	}
	k := specForDomain(t, serverName(conf))
	if _, err := tls.X509KeyPair(cert, key); err != nil {
		t.Errorf("domain.crt and domain.key do not match: %v", err)
	}
	if name := certName(cert); name != k.domain {
		t.Errorf("httpd.conf has ServerName %s but domain.crt is for %s", k.domain, name)
	}
	if !slices.Equal(users, slices.Sorted(slices.Values(k.users))) {
		t.Errorf("httpd.conf is spec %s but httpd.htpasswd has users %v", k.name, users)
	}
	if !maps.EqualFunc(groups, k.groups, slices.Equal) {
		t.Errorf("httpd.conf is spec %s but httpd.groups has %v", k.name, groups)
	}
	if configTest && !t.Failed() {
		if outp, err := stacktest.ConfigTest(out); err != nil {
			t.Errorf("httpd -t rejects the set: %v\n%s", err, outp)
		}
	}
	return k
}

func specForDomain(t *testing.T, domain string) killSpec {
	t.Helper()
	for _, k := range killSpecs {
		if k.domain == domain {
			return k
		}
	}
	t.Errorf("httpd.conf has ServerName %q, from neither spec", domain)
	return killSpec{}
}

func serverName(conf []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "ServerName" {
			return f[1]
		}
	}
	return ""
}

func certName(certPEM []byte) string {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return "(no PEM)"
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil || len(c.DNSNames) == 0 {
		return fmt.Sprintf("(unreadable: %v)", err)
	}
	return c.DNSNames[0]
}

// htpasswdUsers lists the user names of an htpasswd file, sorted.
func htpasswdUsers(data []byte) []string {
	var users []string
	for _, line := range strings.Split(string(data), "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok {
			users = append(users, name)
		}
	}
	slices.Sort(users)
	return users
}

// groupFile parses "group: member member" lines.
func groupFile(data []byte) map[string][]string {
	out := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if g, members, ok := strings.Cut(line, ":"); ok {
			out[strings.TrimSpace(g)] = strings.Fields(members)
		}
	}
	return out
}
