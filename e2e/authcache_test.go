package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/model"
)

// The secure profile's password cache (auth/authcache.lua, mod_lua): a
// successful check is remembered so bcrypt does not run on every request.
// To see whether an answer came from the cache, the tests make the password
// file unreadable: a request the cache cannot answer then fails (500), one
// it answers succeeds.

func status(t *testing.T, c *http.Client, url, user, pass string) int {
	t.Helper()
	return request(t, c, "GET", url, user, pass).StatusCode
}

// rewriteHTPasswd replaces the live password file with users, and moves
// its modification time on (a change within the same second as the
// previous one is caught by the time limit instead).
func rewriteHTPasswd(t *testing.T, path string, users []model.User) {
	t.Helper()
	data, err := generator.HTPasswdFile(users, 5, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(5 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
}

func TestAuthCache(t *testing.T) {
	profiles(t, portAuthCache, func(t *testing.T, spec string, secure bool) {
		s := start(t, spec)
		c := s.Client(t)
		url := "https://myregistrydomain.com:" + itoa(s.Port) + "/v2/"
		htpasswd := filepath.Join(filepath.Dir(spec), "auth", "httpd.htpasswd")
		if got := status(t, c, url, "testuser", "testpassword"); got != 200 {
			t.Fatalf("first login: %d", got)
		}
		if err := os.Chmod(htpasswd, 0); err != nil {
			t.Fatal(err)
		}
		hit := status(t, c, url, "testuser", "testpassword") == 200
		if hit != secure {
			t.Errorf("with the password file unreadable, a remembered login answered=%v, want %v (only the secure profile remembers)", hit, secure)
		}
		if got := status(t, c, url, "testuser", "wrong"); got == 200 {
			t.Error("a wrong password was accepted from the cache")
		}
		if got := status(t, c, url, "testuserpush", "testpasswordpush"); got == 200 {
			t.Error("a login never seen before succeeded without the password file")
		}
		if !secure {
			return
		}
		os.Chmod(htpasswd, 0o640)
		rewriteHTPasswd(t, htpasswd, []model.User{{Name: "testuser", Password: "a new password"}, {Name: "testuserpush", Password: "testpasswordpush"}})
		if got := status(t, c, url, "testuser", "testpassword"); got != 401 {
			t.Errorf("the old password after a change: %d, want 401 at once", got)
		}
		if got := status(t, c, url, "testuser", "a new password"); got != 200 {
			t.Errorf("the new password: %d, want 200", got)
		}
		rewriteHTPasswd(t, htpasswd, []model.User{{Name: "testuserpush", Password: "testpasswordpush"}})
		if got := status(t, c, url, "testuser", "a new password"); got != 401 {
			t.Errorf("a removed user: %d, want 401 at once", got)
		}
	})
}

// TestAuthCacheExpires: an entry is forgotten after auth_cache seconds,
// whatever happens to the password file.
func TestAuthCacheExpires(t *testing.T) {
	spec := render(t, specParams{Profile: "secure", Port: portAuthCacheTTL, AuthCache: 1})
	s := start(t, spec)
	c := s.Client(t)
	url := "https://myregistrydomain.com:" + itoa(s.Port) + "/v2/"
	if got := status(t, c, url, "testuser", "testpassword"); got != 200 {
		t.Fatalf("first login: %d", got)
	}
	htpasswd := filepath.Join(filepath.Dir(spec), "auth", "httpd.htpasswd")
	if err := os.Chmod(htpasswd, 0); err != nil {
		t.Fatal(err)
	}
	if got := status(t, c, url, "testuser", "testpassword"); got != 200 {
		t.Fatalf("within the time limit the login should be remembered: %d", got)
	}
	time.Sleep(2100 * time.Millisecond)
	if got := status(t, c, url, "testuser", "testpassword"); got == 200 {
		t.Error("the login was still remembered after auth_cache: 1 second")
	}
}
