package stacktest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
)

// recipeDir holds the in-repo copies of the recipe's own files.
var recipeDir = filepath.Join(golden.Root(), "testdata", "reference")

const (
	serverName = "myregistrydomain.com"
	mpmLine    = "LoadModule mpm_event_module modules/mod_mpm_event.so\n"
)

// recipeConf is the reference recipe httpd.conf.
func recipeConf(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recipeDir, "httpd.conf"))
	if err != nil {
		t.Fatalf("reading recipe: %v", err)
	}
	return string(b)
}

// fixedConf is the recipe with an MPM loaded and port 5043 replaced.
func fixedConf(t *testing.T, port int) string {
	t.Helper()
	conf := recipeConf(t)
	p := strconv.Itoa(port)
	for _, s := range []string{"Listen 5043", "<VirtualHost *:5043>"} {
		if strings.Count(conf, s) != 1 {
			t.Fatalf("recipe has not exactly one %q", s)
		}
		conf = strings.Replace(conf, s, strings.Replace(s, "5043", p, 1), 1)
	}
	return mpmLine + conf
}

// writeOut builds a minimal OUT folder with conf as auth/httpd.conf.
func writeOut(t *testing.T, conf string) string {
	t.Helper()
	out := t.TempDir()
	auth := filepath.Join(out, "auth")
	mustMkdir(t, auth)
	mustMkdir(t, filepath.Join(out, "data"))
	groups, err := os.ReadFile(filepath.Join(recipeDir, "httpd.groups"))
	if err != nil {
		t.Fatal(err)
	}
	crt, key := selfSigned(t, serverName)
	files := map[string]string{
		"httpd.conf":     conf,
		"httpd.groups":   string(groups),
		"httpd.htpasswd": htpasswd(t, "testuser", "testpassword") + htpasswd(t, "testuserpush", "testpassword"),
		"domain.crt":     crt,
		"domain.key":     key,
	}
	for name, body := range files {
		mode := os.FileMode(0o644)
		if name == "domain.key" {
			mode = 0o600
		}
		if err := os.WriteFile(filepath.Join(auth, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// mustMkdir creates dir readable by Apache's workers (user daemon).
func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// htpasswd runs the real "htpasswd -Bbn user pass".
func htpasswd(t *testing.T, user, pass string) string {
	t.Helper()
	bin := apacheRoot + "/bin/htpasswd"
	if _, err := os.Stat(bin); err != nil {
		bin = "/usr/bin/htpasswd"
	}
	b, err := exec.Command(bin, "-Bbn", user, pass).Output()
	if err != nil {
		t.Fatalf("htpasswd: %v", err)
	}
	return string(b)
}

// selfSigned returns a PEM certificate and key for host, made as init
// makes them.
func selfSigned(t *testing.T, host string) (crt, key string) {
	t.Helper()
	c, k, err := generator.GenerateCertificate(host, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return string(c), string(k)
}
