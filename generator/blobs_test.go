package generator_test

import (
	"strings"
	"testing"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/model"
)

// TestServeBlobsRender: with Apache.ServeBlobs the config maps blob reads
// to the registry's data path and Apache mounts data/ there read-only;
// without it neither the rewrite rules nor the mount are rendered.
func TestServeBlobsRender(t *testing.T) {
	for _, on := range []bool{true, false} {
		m := &model.Model{Profile: model.ProfileSecure, Domain: "myregistrydomain.com", Port: 5043, ServerAdmin: "you@example.com",
			ApacheImage: "httpd:2.4", RegistryImage: "registry:2", DaemonGID: model.DaemonGroup, Apache: model.Apache{ServeBlobs: on}}
		conf, err := generator.HTTPDConfig(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"LoadModule rewrite_module",
			"RewriteCond /var/lib/registry/docker/registry/v2/repositories/$1/_layers/sha256/$2/link -f",
			`<Directory "/var/lib/registry/docker/registry/v2/blobs">`,
		} {
			if got := strings.Contains(string(conf), want); got != on {
				t.Errorf("serve_blobs %v: httpd.conf has %q: %v", on, want, got)
			}
		}
		var mounted, readOnly bool
		for _, v := range generator.ComposeProject(m).Services["apache"].Volumes {
			if v.Source == "./data" && v.Target == "/var/lib/registry" {
				mounted, readOnly = true, v.ReadOnly
			}
		}
		if mounted != on || readOnly != on {
			t.Errorf("serve_blobs %v: apache mounts ./data: %v, read-only: %v", on, mounted, readOnly)
		}
	}
}
