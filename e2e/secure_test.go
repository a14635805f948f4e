package e2e

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// Each test here backs one change of the secure profile (README.md, "What
// the secure profile changes") and shows that the recipe's config lacks it.

// profiles runs fn for the secure profile (where want holds) and for the
// recipe with an MPM loaded (where it does not), each on its own port.
func profiles(t *testing.T, port int, fn func(t *testing.T, spec string, secure bool)) {
	for i, profile := range []string{"secure", "recipe"} {
		t.Run(profile, func(t *testing.T) {
			spec := render(t, specParams{Profile: profile, Port: port + i})
			if profile == "recipe" {
				withMPM(t, spec)
			}
			fn(t, spec, profile == "secure")
		})
	}
}

func request(t *testing.T, c *http.Client, method, url, user, pass string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// Read to the end, so the client keeps the connection: closing an
	// unread body makes net/http open a new one for the next request.
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestVersionHeaderOnce: the recipe sends Docker-Distribution-Api-Version
// twice on success (its own "onsuccess" copy and the registry's).
func TestVersionHeaderOnce(t *testing.T) {
	profiles(t, portHeaders, func(t *testing.T, spec string, secure bool) {
		s := start(t, spec)
		url := "https://myregistrydomain.com:" + itoa(s.Port) + "/v2/"
		c := s.Client(t)
		ok := request(t, c, "GET", url, "testuser", "testpassword")
		denied := request(t, c, "GET", url, "", "")
		n, d := len(ok.Header.Values("Docker-Distribution-Api-Version")), len(denied.Header.Values("Docker-Distribution-Api-Version"))
		if secure && (n != 1 || d != 1) {
			t.Errorf("secure: the header appears %d times on 200 and %d on 401, want once each", n, d)
		}
		if !secure && n != 2 {
			t.Errorf("recipe: the header appears %d times on 200; the document's config sends it twice", n)
		}
	})
}

// TestForbiddenNotChallenged: a known user who may not push gets 403, so
// docker reports "denied" instead of asking for credentials again.
func TestForbiddenNotChallenged(t *testing.T) {
	profiles(t, portForbidden, func(t *testing.T, spec string, secure bool) {
		s := start(t, spec)
		url := "https://myregistrydomain.com:" + itoa(s.Port) + "/v2/library/x/blobs/uploads/"
		resp := request(t, s.Client(t), "POST", url, "testuser", "testpassword")
		want := http.StatusForbidden
		if !secure {
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want {
			t.Errorf("pull-only POST: %s, want %d", resp.Status, want)
		}
	})
}

// TestTLSVersions: TLS 1.1 is refused; 1.2 and 1.3 work.
func TestTLSVersions(t *testing.T) {
	profiles(t, portTLS, func(t *testing.T, spec string, secure bool) {
		s := start(t, spec)
		for _, tc := range []struct {
			version uint16
			name    string
			ok      bool
		}{
			{tls.VersionTLS11, "TLS 1.1", false},
			{tls.VersionTLS12, "TLS 1.2", true},
			{tls.VersionTLS13, "TLS 1.3", true},
		} {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.Addr, &tls.Config{
				ServerName: "myregistrydomain.com", InsecureSkipVerify: true, // the version is under test, not trust
				MinVersion: tc.version, MaxVersion: tc.version,
			})
			if err == nil {
				conn.Close()
			}
			if (err == nil) != tc.ok {
				if secure || tc.ok {
					t.Errorf("%s handshake: err=%v, want ok=%v", tc.name, err, tc.ok)
				} else {
					t.Logf("recipe: %s accepted (its SSLProtocol allows it)", tc.name)
				}
			}
		}
	})
}

// TestSessionResumption: with a session cache, a TLS 1.2 client without
// tickets resumes its session (openssl s_client, a real client).
func TestSessionResumption(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	profiles(t, portResume, func(t *testing.T, spec string, secure bool) {
		s := start(t, spec)
		sess := filepath.Join(t.TempDir(), "session.pem")
		sclient := func(args ...string) string {
			cmd := exec.Command(openssl, append([]string{"s_client", "-connect", s.Addr, "-servername", "myregistrydomain.com", "-tls1_2", "-no_ticket"}, args...)...)
			cmd.Stdin = strings.NewReader("")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("openssl s_client: %v\n%s", err, out)
			}
			return string(out)
		}
		sclient("-sess_out", sess)
		resumed := false
		if _, err := os.Stat(sess); err == nil { // without a cache the server offers no session to keep
			resumed = strings.Contains(sclient("-sess_in", sess), "Reused, TLSv1.2")
		}
		if resumed != secure {
			t.Errorf("session resumed=%v, want %v (secure has an SSL session cache, the recipe none)", resumed, secure)
		}
	})
}

// slowUpstream is longer than Apache's default Timeout (60 s), which the
// recipe's proxy uses for the registry's answer.
const slowUpstream = 65 * time.Second

// TestSlowUpstream: a registry that takes longer than 60 s to answer (as it
// does when it checks the digest of a large layer) still gets its answer
// through the secure proxy; the recipe's gives up with 504.
func TestSlowUpstream(t *testing.T) {
	profiles(t, portSlow, func(t *testing.T, spec string, secure bool) {
		t.Parallel()
		s := start(t, spec)
		s.StopRegistry()
		ln, err := net.Listen("tcp", s.RegistryAddr)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(slowUpstream)
			w.WriteHeader(http.StatusCreated)
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		tr, err := s.Transport()
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: tr, Timeout: slowUpstream + time.Minute}
		resp := request(t, c, "PUT", "https://myregistrydomain.com:"+itoa(s.Port)+"/v2/x/blobs/uploads/1?digest=sha256:0", "testuserpush", "testpasswordpush")
		gaveUp := resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout
		if secure && resp.StatusCode != http.StatusCreated {
			t.Errorf("PUT answered after %v upstream: %s, want the registry's 201", slowUpstream, resp.Status)
		}
		if !secure && !gaveUp {
			t.Errorf("PUT answered after %v upstream: %s; the recipe's proxy gives up after 60 s (502/504)", slowUpstream, resp.Status)
		}
	})
}
