package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/internal/verify"
)

const (
	portLDAPCompose = 16047
	slapdImage      = "regsetup-slapd:local" // images/build.sh image-slapd
)

// directoryOverride adds the directory to the stack: a service on the
// Compose project's own network, which Apache reaches by its name.
const directoryOverride = `services:
  directory:
    image: ` + slapdImage + `
    volumes: ["./directory:` + stacktest.LDAPContainerDir + `"]
`

// TestLDAPCompose: regsetup up with the directory backend on Compose,
// the directory a container built from Debian's slapd on the stack's
// network (added by docker-compose.override.yml, which regsetup passes
// along), then regsetup verify with verify.identities: sign-in, push,
// pull, the denied push and the matrix through the Apache container. The
// pre-flight runs where verify runs; from the host the service name does
// not resolve, and it says so.
func TestLDAPCompose(t *testing.T) {
	needDocker(t)
	if err := exec.Command("docker", "image", "inspect", slapdImage).Run(); err != nil {
		testenv.Missing(t, "the image "+slapdImage+" (images/build.sh image-slapd)")
	}
	dir := t.TempDir()
	ca, err := stacktest.WriteLDAPFolder(mkdir(t, filepath.Join(dir, "directory")), stacktest.LDAPOptions{Schema: adSchema, Databases: []stacktest.LDAPDatabase{adTree}}, "directory")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "ldap-ca.pem"), ca)
	writeFile(t, filepath.Join(dir, "svc.password"), []byte("svc-secret\n"))
	writeFile(t, filepath.Join(dir, "docker-compose.override.yml"), []byte(directoryOverride))
	for _, u := range []string{"alice", "bob", "carol", "dave", "frank"} {
		t.Setenv("VERIFY_"+strings.ToUpper(u), u+"-pass")
	}
	block := strings.Replace(adBlock(389, "starttls"), "servers: [127.0.0.1]", "servers: [directory]", 1)
	spec := initSpec(t, dir, []byte(ldapSpec(portLDAPCompose, block)+adIdentities))
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	if ps := projectContainers(t, o.Project); !strings.Contains(ps, "directory") {
		t.Fatalf("the directory is not in the stack: %s", ps)
	}
	waitSignIn(t, portLDAPCompose, "alice", "alice-pass")

	vo := app.VerifyOptions{Paths: app.Paths{Spec: spec}, Resolve: fmt.Sprintf("myregistrydomain.com:%d:127.0.0.1", portLDAPCompose),
		Layers: 2, LayerSize: 64 << 10, Directory: app.DirectorySkip}
	rep, err := app.Verify(context.Background(), vo)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v\n%s", err, reportText(rep))
	}
	mustContain(t, "sign-in", step(t, rep, verify.StepSignIn).Message, "signed in as alice, bob, carol, dave, frank")
	mustContain(t, "pull", step(t, rep, verify.StepPull).Message, "as bob")

	vo.Directory = app.DirectoryOnly
	rep, err = app.Verify(context.Background(), vo)
	if err == nil {
		t.Fatalf("the pre-flight reached the service name from the host:\n%s", reportText(rep))
	}
	mustContain(t, "pre-flight from the host", reportText(rep), "directory:389: cannot reach the server")
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// waitSignIn waits until user signs in through Apache: slapd loads its
// database when its container starts, and a request before that gets 500.
func waitSignIn(t *testing.T, port int, user, pass string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // readiness only; verify checks TLS
	status := 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		req, _ := http.NewRequest("GET", fmt.Sprintf("https://127.0.0.1:%d/v2/", port), nil)
		req.SetBasicAuth(user, pass)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if status = resp.StatusCode; status == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s could not sign in within 30 s (last status %d)", user, status)
}
