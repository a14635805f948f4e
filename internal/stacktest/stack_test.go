package stacktest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/regsetup/regsetup/internal/golden"
)

// get sends method to url as user (anonymous when user is "").
func get(t *testing.T, c *http.Client, method, url, user string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, "testpassword")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %q: %v", method, url, user, err)
	}
	resp.Body.Close()
	return resp
}

func TestStackServesRecipe(t *testing.T) {
	t.Parallel()
	Require(t)
	s := Start(t, writeOut(t, fixedConf(t, Port(t))), Options{})
	c := s.Client(t)
	base := fmt.Sprintf("https://%s:%d/v2/", serverName, s.Port)

	resp := get(t, c, "GET", base, "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("anonymous GET /v2/: %s, WWW-Authenticate %q; want 401 Basic", resp.Status, resp.Header.Get("WWW-Authenticate"))
	}
	resp = get(t, c, "GET", base, "testuser")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /v2/ as testuser: %s, want 200", resp.Status)
	}
	if v := resp.Header.Get("Docker-Distribution-Api-Version"); v != "registry/2.0" {
		t.Errorf("Docker-Distribution-Api-Version = %q", v)
	}

	resp = get(t, c, "POST", base+"x/blobs/uploads/", "testuser")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST upload as testuser (not a pusher): %s, want 401", resp.Status)
	}
	resp = get(t, c, "POST", base+"x/blobs/uploads/", "testuserpush")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST upload as testuserpush: %s, want 202", resp.Status)
	}
	if loc, want := resp.Header.Get("Location"), base+"x/blobs/uploads/"; !strings.HasPrefix(loc, want) {
		t.Errorf("upload Location = %q, want prefix %q", loc, want)
	}
	uploads := filepath.Join(s.Out, "data/docker/registry/v2/repositories/x/_uploads")
	if _, err := os.Stat(uploads); err != nil {
		t.Errorf("registry did not store the upload in OUT/data: %v", err)
	}
	if !s.WaitApacheLog(`"POST /v2/x/blobs/uploads/ HTTP/1.1" 202`, 2*time.Second) {
		t.Errorf("apache access log lacks the upload:\n%s", s.ApacheLog())
	}
}

func TestStopRegistryGivesBadGateway(t *testing.T) {
	t.Parallel()
	Require(t)
	s := Start(t, writeOut(t, fixedConf(t, Port(t))), Options{})
	s.StopRegistry()
	resp := get(t, s.Client(t), "GET", fmt.Sprintf("https://%s:%d/v2/", serverName, s.Port), "testuser")
	if resp.StatusCode != http.StatusBadGateway && resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /v2/ with the registry down: %s, want 502 or 503", resp.Status)
	}
}

func TestConfigTest(t *testing.T) {
	t.Parallel()
	Require(t)
	out, err := ConfigTest(writeOut(t, recipeConf(t)))
	if err == nil || !strings.Contains(out, "AH00534") {
		t.Errorf("httpd -t on the recipe: err %v, output:\n%s\nwant failure with AH00534 (no MPM)", err, out)
	}
	out, err = ConfigTest(writeOut(t, fixedConf(t, Port(t))))
	if err != nil || !strings.Contains(out, "Syntax OK") {
		t.Errorf("httpd -t with an MPM: err %v, output:\n%s\nwant Syntax OK", err, out)
	}
}

func TestStartReportsEarlyExit(t *testing.T) {
	t.Parallel()
	Require(t)
	conf := strings.TrimPrefix(fixedConf(t, Port(t)), mpmLine)
	_, err := start(t, writeOut(t, conf), Options{})
	if err == nil || !strings.Contains(err.Error(), "AH00534") {
		t.Errorf("start without an MPM: %v; want an early exit with AH00534", err)
	}
}

func TestStartPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "auth"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "Listen " + strconv.Itoa(port) + "\n"
	if err := os.WriteFile(filepath.Join(out, "auth", "httpd.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = start(t, out, Options{})
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("start on a busy port: %v; want an \"already in use\" error", err)
	}
}
