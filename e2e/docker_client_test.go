package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/verify"
)

// trustInDocker makes the docker daemon trust the stack's certificate for
// host:port, as the recipe's users do, and removes it afterwards.
func trustInDocker(t *testing.T, hostport, cert string) {
	t.Helper()
	dir := filepath.Join("/etc/docker/certs.d", hostport)
	data, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	if have, err := os.ReadFile(filepath.Join(dir, "ca.crt")); err == nil && bytes.Equal(have, data) {
		return // left by an interrupted run: the same test certificate
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatalf("%s exists already with another certificate; not touching it", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	writeFile(t, filepath.Join(dir, "ca.crt"), data)
}

// userDockerConfig returns the content of the user's docker config (nil if
// there is none), to prove verify leaves it alone.
func userDockerConfig(t *testing.T) []byte {
	home, _ := os.UserHomeDir()
	data, err := os.ReadFile(filepath.Join(home, ".docker", "config.json"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return data
}

// TestVerifyDockerClient runs the smoke test with the docker CLI against a
// Compose-started stack: it passes, and fails at the denied push once the
// pull-only user is put in the push group. The user's own docker config is
// never touched.
func TestVerifyDockerClient(t *testing.T) {
	needDocker(t)
	spec := render(t, specParams{Profile: "secure", Port: portComposeDocker})
	dir := filepath.Dir(spec)
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	trustInDocker(t, "myregistrydomain.com:"+itoa(portComposeDocker), filepath.Join(dir, "auth", "domain.crt"))
	before := userDockerConfig(t)
	vo := app.VerifyOptions{Paths: app.Paths{Spec: spec}, Client: verify.ClientDocker, Layers: 2, LayerSize: 64 << 10}

	rep, err := app.Verify(context.Background(), vo)
	if err != nil {
		t.Fatalf("verify --client docker: %v\n%s", err, reportText(rep))
	}
	// 403 from AuthzSendForbiddenOnFailure: docker says "denied", not
	// "authentication required".
	mustContain(t, "denied-push", step(t, rep, verify.StepDeniedPush).Message, "denied: requested access to the resource is denied")
	writeFile(t, filepath.Join(dir, "auth", "httpd.groups"), []byte("pusher: testuserpush testuser\n"))
	rep, err = app.Verify(context.Background(), vo)
	if !errors.Is(err, app.ErrChecksFailed) {
		t.Fatalf("verify --client docker must fail with the groups misconfigured: %v\n%s", err, reportText(rep))
	}
	if st := step(t, rep, verify.StepDeniedPush); st.Status != verify.StatusFail {
		t.Errorf("denied-push should fail:\n%s", reportText(rep))
	}
	if after := userDockerConfig(t); !bytes.Equal(before, after) {
		t.Errorf("~/.docker/config.json changed")
	}
}
