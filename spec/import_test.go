package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportSaysWhatItLeaves: a user whose hash is not bcrypt and a
// per-repository section are named in the notes, not silently dropped; a
// folder without httpd.conf is refused.
func TestImportSaysWhatItLeaves(t *testing.T) {
	dir := t.TempDir()
	auth := filepath.Join(dir, "auth")
	if err := os.MkdirAll(auth, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(dir, ImportOptions{}); !errors.Is(err, ErrImport) {
		t.Fatalf("no httpd.conf: want ErrImport, got %v", err)
	}
	files := map[string]string{
		"httpd.conf": "Listen 5043\n<VirtualHost *:5043>\n  ServerName reg.example.com\n  <Location /v2>\n    <Limit GET HEAD>\n      Require valid-user\n    </Limit>\n" +
			"    <Limit POST PUT DELETE PATCH>\n      Require group pusher\n    </Limit>\n  </Location>\n  <LocationMatch \"^/v2/team/\">\n    Require group team\n  </LocationMatch>\n</VirtualHost>\n",
		"httpd.htpasswd": "alice:$2y$05$YsX2Ny874PrssGrxnG5QPuKVzKsDIU7YuU9v7J9wqRSVtC5rybUnm\nbob:$apr1$abcdefgh$0123456789abcdefghijkl\n",
		"httpd.groups":   "pusher: alice\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(auth, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	im, err := Import(dir, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(im.Notes, "\n")
	for _, want := range []string{`user "bob": its hash is not a bcrypt hash`, `not carried over: <LocationMatch "^/v2/team/">`, "no domain.crt"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(string(im.YAML), "bob") || !strings.Contains(string(im.YAML), "domain: reg.example.com\nport: 5043\n") {
		t.Errorf("spec:\n%s", im.YAML)
	}
}
