package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/model"
	"golang.org/x/crypto/bcrypt"
)

var users = []model.User{
	{Name: "testuser", Password: "testpassword"},
	{Name: "testuserpush", Password: "testpasswordpush"},
	{Name: "spaces", Password: "a password with spaces: and colons"},
}

// entryRE is what `htpasswd -Bbn` writes: the entry, then an empty line.
var entryRE = regexp.MustCompile(`^[^:\n]+:\$2y\$05\$[./A-Za-z0-9]{53}\n\n$`)

func TestHTPasswdFormat(t *testing.T) {
	out, err := HTPasswdFile(users, 5, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	entries := strings.SplitAfter(string(out), "\n\n")
	if entries[len(entries)-1] == "" {
		entries = entries[:len(entries)-1]
	}
	if len(entries) != len(users) {
		t.Fatalf("got %d entries, want %d:\n%s", len(entries), len(users), out)
	}
	for i, e := range entries {
		if !entryRE.MatchString(e) || !strings.HasPrefix(e, users[i].Name+":") {
			t.Errorf("entry %d = %q, want %s in htpasswd -Bbn format", i, e, users[i].Name)
		}
	}
}

// TestHTPasswdVerifiesWithApache checks every entry with the real
// `htpasswd -vb`, and that a wrong password is rejected by it.
func TestHTPasswdVerifiesWithApache(t *testing.T) {
	htpasswd := testenv.Tool(t, "htpasswd", "/usr/local/apache2/bin/htpasswd")
	out, err := HTPasswdFile(users, 5, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "httpd.htpasswd")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if msg, err := exec.Command(htpasswd, "-vb", file, u.Name, u.Password.Reveal()).CombinedOutput(); err != nil {
			t.Errorf("htpasswd -vb %s: %v: %s", u.Name, err, msg)
		}
		if err := exec.Command(htpasswd, "-vb", file, u.Name, "wrong").Run(); err == nil {
			t.Errorf("htpasswd -vb accepted a wrong password for %s", u.Name)
		}
	}
}

func TestHTPasswdKeepsMatchingHashes(t *testing.T) {
	first, err := HTPasswdFile(users, 5, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	again, err := HTPasswdFile(users, 5, first, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(first) {
		t.Errorf("unchanged passwords were re-hashed")
	}
	changed := append([]model.User{}, users...)
	changed[1].Password = "a new password"
	third, err := HTPasswdFile(changed, 5, first, 0)
	if err != nil {
		t.Fatal(err)
	}
	old, now := parseHTPasswd(first), parseHTPasswd(third)
	if old["testuser"] != now["testuser"] || old["testuserpush"] == now["testuserpush"] {
		t.Errorf("want only the changed password re-hashed")
	}
	cost6, _ := HTPasswdFile(users, 6, first, 0)
	if strings.Contains(string(cost6), "$2y$05$") {
		t.Errorf("a new cost must re-hash every entry:\n%s", cost6)
	}
}

func TestHTPasswdKeepsGivenHash(t *testing.T) {
	const h = "$2y$05$6Ia7bUX3VpVVBFAbG2MRSeAdWPdtaYNlyo9FhDdMNsBdS0mY0kVnS"
	out, err := HTPasswdFile([]model.User{{Name: "ci", Hash: h}}, 5, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "ci:"+h+"\n\n" {
		t.Errorf("got %q", out)
	}
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword([]byte("testpassword"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2y$04$") || len(h) != 60 {
		t.Errorf("HashPassword = %q, want $2y$04$ and 53 more characters", h)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(h), []byte("testpassword")); err != nil {
		t.Errorf("the hash does not verify: %v", err)
	}
}
