package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
)

const portS3Compose = 16393

// TestS3ComposeUpVerify: `up` with target compose and S3 storage runs the
// registry image on the rendered config.yml (mounted read-only) against a
// real S3 server in a container on the stack's network (plain HTTP,
// allow_plaintext), verify passes through Apache, the pushed image is in
// the bucket and nothing is in data/.
func TestS3ComposeUpVerify(t *testing.T) {
	needDocker(t)
	testenv.Long(t, "runs the stack and SeaweedFS in containers")
	s3 := stacktest.StartS3Container(t, "s3", stacktest.S3Options{})
	t.Setenv(s3AccessEnv, s3.AccessKey)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, s3SecretFile), []byte(s3.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(s3Spec(portS3Compose, s3), "deploy:\n  target: swarm\n  replicas: {apache: 1, registry: 2}\n", "", 1)
	spec := initSpec(t, dir, []byte(doc))
	o := stackOptions(t, spec, "docker compose")
	composeDown(t, o)
	if _, err := app.Up(context.Background(), o); err != nil {
		t.Fatalf("up: %v", err)
	}
	// Compose names the project's network PROJECT_default.
	if err := s3.Connect(o.Project + "_default"); err != nil {
		t.Fatal(err)
	}
	rep, err := app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: spec},
		Resolve: fmt.Sprintf("myregistrydomain.com:%d:127.0.0.1", portS3Compose), Layers: 2, LayerSize: 64 << 10})
	if err != nil {
		t.Fatalf("verify on S3: %v\n%s", err, reportText(rep))
	}
	const tag = "regsetup-e2e/docker/registry/v2/repositories/regsetup-verify/smoke/_manifests/tags/verify/current/link"
	if _, err := s3.ObjectSize(tag); err != nil {
		t.Errorf("the pushed image is not in the bucket: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "data")); len(entries) > 0 {
		t.Errorf("data/ holds %d entries; with S3 the registry keeps nothing on the host", len(entries))
	}
}
