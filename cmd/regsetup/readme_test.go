package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"

	"github.com/regsetup/regsetup/internal/golden"
	"gopkg.in/yaml.v3"
)

// TestReadmeUse runs the README's "Use" block line by line, as a shell
// would, in a fresh folder with the built regsetup first on PATH: once as
// root, once as a normal user. The user runs example, init and verify;
// up, status and down need the docker daemon and run as root (as `sudo`
// would), in the folder the user made. After `example`, the spec's port
// is changed to a free one (a YAML edit) and the verify line's port with
// it; the Compose project comes from REGSETUP_PROJECT. The block must
// hold example, init, up, verify and down; status runs after verify when
// the block does not have it.
//
// As the user, before the README's verify: the password file is made
// unreadable to Apache's workers (mode 0600) and a verify must fail —
// that is what every login did when init ran without root — then mode
// 0640 again.
func TestReadmeUse(t *testing.T) {
	testenv.Long(t, "starts two stacks with docker compose")
	needCompose(t)
	lines := readmeUse(t)
	for _, mode := range []string{"root", "user"} {
		t.Run(mode, func(t *testing.T) {
			runner := account{name: "root"}
			root := account{name: "root"}
			if mode == "user" {
				runner = nonRoot(t)
			} else if os.Geteuid() != 0 {
				testenv.Missing(t, "root (the README's Use block as root)")
			}
			shared := sharedDir(t, runner)
			bindir := filepath.Join(shared, "bin")
			os.Mkdir(bindir, 0o755)
			buildRegsetup(t, bindir)
			dir := filepath.Join(shared, "cli-readme-"+mode)
			if b, err := runner.command("mkdir", dir).CombinedOutput(); err != nil {
				t.Fatalf("mkdir as %s: %v\n%s", runner.name, err, b)
			}
			port := stacktest.Port(t)
			env := append(os.Environ(), "PATH="+bindir+":"+os.Getenv("PATH"), "REGSETUP_PROJECT=cli-readme-"+mode)
			sh := func(who account, line string) (string, int) {
				cmd := who.command("sh", "-c", line)
				cmd.Dir, cmd.Env = dir, env
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				code := exitStatus(t, cmd.Run())
				return out.String(), code
			}
			t.Cleanup(func() { sh(root, "regsetup down") })
			ran := map[string]bool{}
			for _, line := range lines {
				cmd := strings.Fields(line)[1]
				who := runner
				if cmd == "up" || cmd == "status" || cmd == "down" {
					who = root
				}
				if cmd == "verify" {
					line = strings.ReplaceAll(line, ":5043:", ":"+strconv.Itoa(port)+":")
					if mode == "user" {
						unreadableFails(t, dir, func() (string, int) { return sh(who, line) })
					}
				}
				out, code := sh(who, line)
				t.Logf("%s $ %s (exit %d)\n%s", who.name, line, code, out)
				if code != exitOK {
					t.Fatalf("%s $ %s: exit %d\n%s", who.name, line, code, out)
				}
				ran[cmd] = true
				if cmd == "example" {
					setPort(t, filepath.Join(dir, "regsetup.yaml"), port)
				}
				if cmd == "verify" && !strings.Contains(strings.Join(lines, "\n"), "regsetup status") {
					if out, code := sh(root, "regsetup status"); code != exitOK {
						t.Fatalf("root $ regsetup status: exit %d\n%s", code, out)
					}
				}
			}
			if mode == "user" {
				ownedByUser(t, dir, runner)
			}
			for _, c := range []string{"example", "init", "up", "verify", "down"} {
				if !ran[c] {
					t.Errorf("the README's Use block has no regsetup %s", c)
				}
			}
		})
	}
}

// ownedByUser checks that the live password file and key still belong
// to the user's group after root's up (which renders too, and must keep
// them), and that httpd.conf runs the workers with that group.
func ownedByUser(t *testing.T, dir string, u account) {
	t.Helper()
	for _, f := range []string{"httpd.htpasswd", "domain.key"} {
		gid, err := fileGID(filepath.Join(dir, "auth", f))
		if err != nil || gid != u.gid {
			t.Errorf("auth/%s: group %d (%v), want the user's %d", f, gid, err, u.gid)
		}
	}
	conf, _ := os.ReadFile(filepath.Join(dir, "auth", "httpd.conf"))
	if !strings.Contains(string(conf), "\n    Group #"+strconv.Itoa(u.gid)+"\n") {
		t.Errorf("httpd.conf does not run the workers with group %d", u.gid)
	}
}

// fileGID is the group of the file at path (through links).
func fileGID(path string) (int, error) {
	st, err := os.Stat(path)
	if err != nil {
		return -1, err
	}
	return int(st.Sys().(*syscall.Stat_t).Gid), nil
}

// unreadableFails makes the live password file unreadable to Apache's
// workers, checks that verify then fails (exit 6), and restores it.
func unreadableFails(t *testing.T, dir string, verify func() (string, int)) {
	t.Helper()
	pw := filepath.Join(dir, "auth", "httpd.htpasswd")
	st, err := os.Stat(pw)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(pw, 0o600)
	out, code := verify()
	os.Chmod(pw, st.Mode().Perm())
	if code != exitUnhealthy {
		t.Errorf("with a password file Apache's workers cannot read, verify exits %d, want %d\n%s", code, exitUnhealthy, out)
	}
}

// readmeUse is the command lines of the README's "Use" block, comments
// cut.
func readmeUse(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(golden.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Use\n")
	_, block, ok2 := strings.Cut(section, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no ```sh block under ## Use")
	}
	var lines []string
	for _, l := range strings.Split(block, "\n") {
		l, _, _ = strings.Cut(l, " #")
		if l = strings.TrimSpace(l); l != "" {
			if !strings.HasPrefix(l, "regsetup ") {
				t.Fatalf("README's Use block: %q is not a regsetup command", l)
			}
			lines = append(lines, l)
		}
	}
	return lines
}

// setPort sets the spec's top-level port, keeping the rest (comments
// included), as a person editing the file would.
func setPort(t *testing.T, path string, port int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s is not a YAML mapping: %v", path, err)
	}
	m := doc.Content[0]
	found := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "port" {
			m.Content[i+1].Value, found = strconv.Itoa(port), true
		}
	}
	if !found {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "port"}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(port)})
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil { // in place: the owner stays
		t.Fatal(err)
	}
}
