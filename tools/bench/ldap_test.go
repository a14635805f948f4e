package bench

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/stacktest"
)

// TestLDAPVariant: the directory variant signs the bench users in
// against slapd (the directory sees the push user's bind), refuses a
// wrong password, and takes push rights from the directory group: the
// pull user may read and may not push.
func TestLDAPVariant(t *testing.T) {
	stacktest.Require(t)
	stacktest.LDAPRequire(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := newEnv(dir, Quick().withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	vdir, err := e.variantDir(KindSecureLDAP)
	if err != nil {
		t.Fatal(err)
	}
	r, err := startLDAP(e, KindSecureLDAP, vdir, KeyECDSA, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.stop()
	tgt := r.target()
	c := &http.Client{Transport: e.transport(tgt, 1)}
	for _, tc := range []struct {
		name, user, pass, method, path string
		want                           int
	}{
		{"push user", PushUser, e.creds.PushPassword, "GET", "/v2/", 200},
		{"pull user", PullUser, e.creds.PullPassword, "GET", "/v2/", 200},
		{"wrong password", PushUser, e.creds.PullPassword, "GET", "/v2/", 401},
		{"pull user may not push", PullUser, e.creds.PullPassword, "POST", "/v2/bench/x/blobs/uploads/", 403},
		{"push user pushes", PushUser, e.creds.PushPassword, "POST", "/v2/bench/x/blobs/uploads/", 202},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := Target{Host: tgt.Host, TLS: true, User: tc.user, Password: tc.pass}.request(context.Background(), tc.method, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s as %s: %d, want %d", tc.method, tc.path, tc.user, resp.StatusCode, tc.want)
			}
		})
	}
	if !strings.Contains(r.(*ldapRun).d.Log(), `BIND dn="uid=`+PushUser+`,ou=people,dc=bench,dc=example" method=128`) {
		t.Error("the directory saw no bind of the push user: the variant does not ask the directory")
	}
}
