package spec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ErrImport is wrapped when a hand-made folder cannot be read as the
// document's setup.
var ErrImport = errors.New("cannot import the folder")

// Imported is a spec written from a hand-made setup of the document.
type Imported struct {
	YAML []byte
	// Notes say what could not be carried over, and what to check.
	Notes []string
	// Lossy: something was not carried over, so the spec renders other
	// files than the folder has (init needs --force to replace them).
	Lossy bool
}

// ImportOptions tune Import.
type ImportOptions struct {
	// Profile of the spec: "secure" (default: the same users, groups and
	// access with the secure profile's fixes) or "recipe" (renders the
	// document's httpd.conf again, byte for byte).
	Profile string
	// SpecDir is the folder the spec will be written to (default: the
	// imported folder): the certificate paths in it are relative to it.
	SpecDir string
}

// imported is what Import found, before it is written as YAML.
type imported struct {
	domain, admin, cert, key string
	port                     int
	users                    [][2]string // name, bcrypt hash
	groups                   [][2]string // name, members (space-separated)
	pull, push               []string    // "authenticated" or names
	notes                    []string
	lossy                    bool
}

// Import reads the document's hand-made folder (dir/auth/httpd.conf,
// httpd.htpasswd, httpd.groups, domain.crt, domain.key; certs/ when it is
// there) and writes a spec for dir/regsetup.yaml that reproduces it: the
// users with their bcrypt hashes kept, the groups, who may pull and push,
// the domain, the port and the certificate files.
func Import(dir string, o ImportOptions) (*Imported, error) {
	if o.Profile == "" {
		o.Profile = "secure"
	}
	if o.Profile != "secure" && o.Profile != "recipe" {
		return nil, fmt.Errorf("%w: profile %q: want secure or recipe", ErrImport, o.Profile)
	}
	auth := filepath.Join(dir, "auth")
	conf, err := os.ReadFile(filepath.Join(auth, "httpd.conf"))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the Apache config: %w", ErrImport, err)
	}
	var im imported
	im.readConf(conf)
	if err := im.readUsers(filepath.Join(auth, "httpd.htpasswd")); err != nil {
		return nil, err
	}
	if err := im.readGroups(filepath.Join(auth, "httpd.groups")); err != nil {
		return nil, err
	}
	im.findCerts(dir)
	if err := im.relativeTo(dir, o.SpecDir); err != nil {
		return nil, err
	}
	if im.domain == "" || im.port == 0 || len(im.push) == 0 || len(im.users) == 0 {
		return nil, fmt.Errorf("%w: %s has no ServerName, Listen port, push rule (<Limit POST ...> Require) or bcrypt users: not the document's setup", ErrImport, filepath.Join(auth, "httpd.conf"))
	}
	im.notes = append(im.notes, "regsetup verify logs in as a user who may push and one who may only pull, and needs their passwords: for those two, replace bcrypt: with password_env: (or password_file:); the others keep their hashes")
	if o.Profile == "secure" {
		im.notes = append(im.notes, "profile: secure: the same users, groups and access, with the secure profile's fixes (the document's <Limit> blocks let other methods through unauthenticated); --profile recipe renders your httpd.conf again as it is; init needs --force to replace your hand-made httpd.conf (it keeps a copy)")
	}
	return &Imported{YAML: im.yaml(o.Profile), Notes: im.notes, Lossy: im.lossy}, nil
}

var (
	limitRE   = regexp.MustCompile(`^<Limit(?:Except)?\s+([^>]*)>`)
	requireRE = regexp.MustCompile(`^Require\s+(valid-user|group|user)\b\s*(.*)$`)
	methodRE  = regexp.MustCompile(`^Require\s+method\s+(.*)$`)
)

// readConf takes the domain, port, admin and the pull and push rules from
// the recipe's <Limit> blocks, or from regsetup's secure <RequireAll>
// blocks (Require method + who).
func (im *imported) readConf(conf []byte) {
	var methods []string
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || strings.HasPrefix(line, "#"):
		case f[0] == "ServerName" && len(f) > 1 && im.domain == "":
			im.domain = f[1]
		case f[0] == "ServerAdmin" && len(f) > 1:
			im.admin = f[1]
		case f[0] == "Listen" && len(f) > 1 && im.port == 0:
			im.port, _ = strconv.Atoi(f[1][strings.LastIndex(f[1], ":")+1:])
		case f[0] == "<LocationMatch" || f[0] == "AuthBasicProvider" && len(f) > 1 && f[1] != "file":
			im.drop(fmt.Sprintf("not carried over: %s (write it as access.rules or your own config)", line))
		case limitRE.MatchString(line):
			methods = strings.Fields(limitRE.FindStringSubmatch(line)[1])
		case strings.HasPrefix(line, "</Limit") || line == "</RequireAll>":
			methods = nil
		case methodRE.MatchString(line):
			methods = strings.Fields(methodRE.FindStringSubmatch(line)[1])
		case requireRE.MatchString(line) && methods != nil:
			m := requireRE.FindStringSubmatch(line)
			who := []string{Authenticated}
			if m[1] != "valid-user" {
				who = strings.Fields(m[2])
			}
			if slices.Contains(methods, "POST") {
				im.push = appendNew(im.push, who...)
			} else {
				im.pull = appendNew(im.pull, who...)
			}
		}
	}
}

// drop notes something that could not be carried over.
func (im *imported) drop(note string) {
	im.notes = append(im.notes, note)
	im.lossy = true
}

func appendNew(list []string, names ...string) []string {
	for _, n := range names {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list
}

func (im *imported) readUsers(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: reading the password file: %w", ErrImport, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, hash, ok := strings.Cut(strings.TrimSpace(line), ":")
		switch {
		case !ok:
		case bcryptRE.MatchString(hash) && userRE.MatchString(name):
			im.users = append(im.users, [2]string{name, hash})
		default:
			im.drop(fmt.Sprintf("not carried over: user %q: its hash is not a bcrypt hash regsetup keeps ($2y$ or $2a$): add it with a password", name))
		}
	}
	return nil
}

func (im *imported) readGroups(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: reading the group file: %w", ErrImport, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, members, ok := strings.Cut(line, ":")
		if ok && groupRE.MatchString(strings.TrimSpace(name)) {
			im.groups = append(im.groups, [2]string{strings.TrimSpace(name), strings.Join(strings.Fields(members), ", ")})
		}
	}
	return nil
}

// findCerts prefers the document's certs/ folder (what it copied into
// auth/), else the copies in auth/.
func (im *imported) findCerts(dir string) {
	for _, d := range []string{"certs", "auth"} {
		if _, err := os.Stat(filepath.Join(dir, d, "domain.crt")); err == nil {
			im.cert, im.key = d+"/domain.crt", d+"/domain.key"
			return
		}
	}
	im.cert, im.key = "domain.crt", "domain.key"
	im.notes = append(im.notes, "no domain.crt in certs/ or auth/: put the certificate and key next to the spec, or use tls.generate")
}

// relativeTo rewrites the certificate paths, found relative to dir, for
// a spec written in specDir (a spec's paths are relative to its folder).
func (im *imported) relativeTo(dir, specDir string) error {
	if specDir == "" || !strings.Contains(im.cert, "/") { // none found: next to the spec, as the note says
		return nil
	}
	from, err := filepath.Abs(specDir)
	if err != nil {
		return fmt.Errorf("%w: the spec's folder %s: %w", ErrImport, specDir, err)
	}
	to, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("%w: the folder %s: %w", ErrImport, dir, err)
	}
	for _, p := range []*string{&im.cert, &im.key} {
		rel, err := filepath.Rel(from, filepath.Join(to, filepath.FromSlash(*p)))
		if err != nil {
			return fmt.Errorf("%w: %s from the spec's folder %s: %w", ErrImport, *p, specDir, err)
		}
		*p = filepath.ToSlash(rel)
	}
	return nil
}

func (im *imported) yaml(profile string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Imported by regsetup from a hand-made setup of the document; hashes kept as they were.\nprofile: %s\ndomain: %s\nport: %d\n", profile, im.domain, im.port)
	if im.admin != "" {
		fmt.Fprintf(&b, "server_admin: %s\n", im.admin)
	}
	fmt.Fprintf(&b, "tls:\n  cert: %q\n  key: %q\nusers:\n", im.cert, im.key)
	for _, u := range im.users {
		fmt.Fprintf(&b, "  - name: %s\n    bcrypt: %q\n", u[0], u[1])
	}
	if len(im.groups) > 0 {
		b.WriteString("groups:\n")
		for _, g := range im.groups {
			fmt.Fprintf(&b, "  %s: [%s]\n", g[0], g[1])
		}
	}
	b.WriteString("access:\n")
	fmt.Fprintf(&b, "  pull: %s\n  push: %s\n", principals(im.pull), principals(im.push))
	return []byte(b.String())
}

func principals(names []string) string {
	if len(names) == 0 || slices.Contains(names, Authenticated) {
		return Authenticated
	}
	return "[" + strings.Join(names, ", ") + "]"
}
