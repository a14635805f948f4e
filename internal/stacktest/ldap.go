package stacktest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// This file runs a throw-away OpenLDAP slapd on loopback for the directory
// backend's tests: plain LDAP (and StartTLS) on one free port, LDAPS on
// another, never 389 or 636; a private CA signs its certificate.

const (
	slapdBin   = "/usr/sbin/slapd"
	slapaddBin = "/usr/sbin/slapadd"
	slapdHint  = "scripts/ci-setup.sh installs slapd and ldap-utils"
)

// LDAPDatabase is one naming context of the directory, loaded before
// slapd starts.
type LDAPDatabase struct {
	Suffix string // e.g. DC=corp,DC=example
	LDIF   string // the entries, the suffix's own entry first
}

// LDAPOptions describe the directory.
type LDAPOptions struct {
	// Schema is extra schema text (slapd.conf syntax: attributetype,
	// objectclass), after core, cosine and inetorgperson.
	Schema    string
	Databases []LDAPDatabase
}

// Directory is a running slapd.
type Directory struct {
	Port    int    // plain LDAP and StartTLS, on 127.0.0.1
	TLSPort int    // LDAPS, on 127.0.0.1
	CAPEM   []byte // the CA that signed the server certificate (IP 127.0.0.1, DNS localhost)
	dir     string
	args    []string
	proc    *proc
}

// LDAPRequire skips the test when slapd is missing, or fails it under
// CI=true.
func LDAPRequire(t testing.TB) {
	t.Helper()
	for _, f := range []string{slapdBin, slapaddBin} {
		if _, err := os.Stat(f); err != nil {
			testenv.Missing(t, f+" ("+slapdHint+")")
		}
	}
}

// StartLDAP loads opts into a new slapd and starts it; it stops when the
// test ends. Anonymous clients may only bind: searches need an account,
// as on Active Directory.
func StartLDAP(t testing.TB, opts LDAPOptions) *Directory {
	t.Helper()
	LDAPRequire(t)
	d := &Directory{dir: t.TempDir()}
	if err := d.setUp(opts); err != nil {
		t.Fatalf("stacktest: setting up slapd: %v", err)
	}
	if err := d.Start(); err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	t.Cleanup(d.Stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stacktest: slapd log (tail):\n%s", d.proc.tail(40))
		}
	})
	return d
}

// RunLDAP is StartLDAP outside a test (the benchmarks): slapd's files go
// into dir, and the caller stops it with Stop.
func RunLDAP(dir string, opts LDAPOptions) (*Directory, error) {
	if _, err := os.Stat(slapdBin); err != nil {
		return nil, fmt.Errorf("%s: %w (%s)", slapdBin, err, slapdHint)
	}
	d := &Directory{dir: dir}
	if err := d.setUp(opts); err != nil {
		return nil, fmt.Errorf("setting up slapd: %w", err)
	}
	if err := d.Start(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Directory) setUp(opts LDAPOptions) error {
	var err error
	if d.Port, err = FreePort(); err != nil {
		return err
	}
	if d.TLSPort, err = FreePort(); err != nil {
		return err
	}
	if d.CAPEM, err = writeLDAPFolder(d.dir, d.dir, opts); err != nil {
		return err
	}
	for i, db := range opts.Databases {
		out, err := exec.Command(slapaddBin, "-f", d.path("slapd.conf"), "-b", db.Suffix, "-l", d.path(fmt.Sprintf("db%d.ldif", i))).CombinedOutput()
		if err != nil {
			return fmt.Errorf("slapadd %s: %w\n%s", db.Suffix, err, out)
		}
	}
	d.args = []string{"-d", "256", "-f", d.path("slapd.conf"), "-h",
		fmt.Sprintf("ldap://127.0.0.1:%d/ ldaps://127.0.0.1:%d/", d.Port, d.TLSPort)}
	return nil
}

// LDAPContainerDir is where the directory image (images/build.sh
// image-slapd) expects the folder WriteLDAPFolder writes.
const LDAPContainerDir = "/ldap"

// WriteLDAPFolder writes into dir what the directory image needs at
// LDAPContainerDir: slapd.conf naming its files there, the private CA,
// a server certificate for host names (and 127.0.0.1, localhost), and per
// database dbN.ldif and dbN.suffix, which the image's entrypoint loads.
// It returns the CA.
func WriteLDAPFolder(dir string, opts LDAPOptions, names ...string) ([]byte, error) {
	ca, err := writeLDAPFolder(dir, LDAPContainerDir, opts, names...)
	if err != nil {
		return nil, err
	}
	for i, db := range opts.Databases {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("db%d.suffix", i)), []byte(db.Suffix), 0o600); err != nil {
			return nil, fmt.Errorf("writing db%d.suffix: %w", i, err)
		}
	}
	return ca, nil
}

// writeLDAPFolder writes slapd's files into dir; the config names them
// under root (dir itself, or where a container mounts it).
func writeLDAPFolder(dir, root string, opts LDAPOptions, names ...string) ([]byte, error) {
	at := func(name string) string { return filepath.Join(root, name) }
	caPEM, certPEM, keyPEM, err := ldapCerts(names...)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"ca.crt": caPEM, "server.crt": certPEM, "server.key": keyPEM, "extra.schema": []byte(opts.Schema)}
	var conf strings.Builder
	for _, s := range []string{"core", "cosine", "inetorgperson"} {
		fmt.Fprintf(&conf, "include /etc/ldap/schema/%s.schema\n", s)
	}
	fmt.Fprintf(&conf, "include %s\npidfile %s\nargsfile %s\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n",
		at("extra.schema"), at("slapd.pid"), at("slapd.args"))
	fmt.Fprintf(&conf, "TLSCACertificateFile %s\nTLSCertificateFile %s\nTLSCertificateKeyFile %s\n",
		at("ca.crt"), at("server.crt"), at("server.key"))
	for i, db := range opts.Databases {
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprintf("db%d", i)), 0o700); err != nil {
			return nil, fmt.Errorf("creating a database folder: %w", err)
		}
		fmt.Fprintf(&conf, "\ndatabase mdb\nsuffix %q\nrootdn \"CN=stacktest-root,%s\"\ndirectory %s\nmaxsize 16777216\n", db.Suffix, db.Suffix, at(fmt.Sprintf("db%d", i)))
		conf.WriteString("access to attrs=userPassword by anonymous auth by self read by * none\naccess to * by users read by * none\n")
		files[fmt.Sprintf("db%d.ldif", i)] = []byte(db.LDIF)
	}
	files["slapd.conf"] = []byte(conf.String())
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return caPEM, nil
}

func (d *Directory) path(name string) string { return filepath.Join(d.dir, name) }

// Start runs slapd (again, after Stop) and waits until both ports answer.
func (d *Directory) Start() error {
	p, err := startProc("slapd", d.path("slapd.log"), exec.CommandContext(context.Background(), slapdBin, d.args...))
	if err != nil {
		return err
	}
	d.proc = p
	return p.waitReady(10*time.Second, func() error {
		if err := dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(d.Port))); err != nil {
			return err
		}
		return dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(d.TLSPort)))
	})
}

// Stop stops slapd; safe more than once.
func (d *Directory) Stop() {
	if d.proc != nil {
		d.proc.stop(5 * time.Second)
	}
}

// Log is slapd's log so far (-d 256: one line per connection and operation).
func (d *Directory) Log() string { return d.proc.log() }

// FailedBinds counts the binds slapd refused for invalid credentials.
func (d *Directory) FailedBinds() int {
	return strings.Count(d.Log(), "RESULT tag=97 err=49")
}

// FailedBindsSince counts the failed binds after before (a FailedBinds
// count). slapd logs a result after it sent it, so the last lines can
// come after the client has its answer: it waits, up to 5 s, until the
// count is at least atLeast and has not changed for 300 ms.
func (d *Directory) FailedBindsSince(before, atLeast int) int {
	deadline := time.Now().Add(5 * time.Second)
	last, since := -1, time.Now()
	for {
		n := d.FailedBinds() - before
		if n != last {
			last, since = n, time.Now()
		}
		if (n >= atLeast && time.Since(since) >= 300*time.Millisecond) || time.Now().After(deadline) {
			return n
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// HungListener accepts connections on a free loopback port and never
// answers them, like a directory server that hangs; it closes when the
// test ends.
func HungListener(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}

// ldapCerts makes a private CA and a server certificate for 127.0.0.1,
// localhost and names, signed by it.
func ldapCerts(names ...string) (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stacktest LDAP CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: append([]string{"localhost"}, names...), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	enc := func(typ string, der []byte) []byte {
		var b bytes.Buffer
		_ = pem.Encode(&b, &pem.Block{Type: typ, Bytes: der})
		return b.Bytes()
	}
	return enc("CERTIFICATE", caDER), enc("CERTIFICATE", leafDER), enc("PRIVATE KEY", keyDER), nil
}
