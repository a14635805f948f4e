package spec

import (
	"strings"
	"testing"

	"github.com/regsetup/regsetup/model"
)

// TestDeployDefaults: compose with one of each unless a target says
// otherwise; swarm and kubernetes default to two of each; S3's region.
func TestDeployDefaults(t *testing.T) {
	env := func(k string) (string, bool) { return "key-" + k, true }
	tests := []struct {
		name, extra string
		want        model.Deploy
		driver      string
	}{
		{"compose", "", model.Deploy{Target: "compose", Replicas: model.Replicas{Apache: 1, Registry: 1}}, "filesystem"},
		{"swarm", "deploy: {target: swarm}", model.Deploy{Target: "swarm", Replicas: model.Replicas{Apache: 2, Registry: 2}}, "filesystem"},
		{"kubernetes three", "deploy: {target: kubernetes, replicas: {registry: 3}}", model.Deploy{Target: "kubernetes", Replicas: model.Replicas{Apache: 2, Registry: 3}}, "filesystem"},
		{"compose s3", "storage: {driver: s3, s3: {bucket: registry, access_key_env: A, secret_key_env: S}}", model.Deploy{Target: "compose", Replicas: model.Replicas{Apache: 1, Registry: 1}}, "s3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeSpec(t, baseSpec+tt.extra+"\n", nil)
			m, err := Load(p, Options{LookupEnv: env})
			if err != nil {
				t.Fatal(err)
			}
			if m.Deploy != tt.want || m.Storage.Driver != tt.driver {
				t.Errorf("deploy %+v storage %s, want %+v %s", m.Deploy, m.Storage.Driver, tt.want, tt.driver)
			}
			if tt.driver == "s3" && (m.Storage.S3.Region != DefaultS3Region || m.Storage.S3.SecretKey.Reveal() != "key-S" || m.Storage.S3.AccessKey.Reveal() != "key-A") {
				t.Errorf("s3 %+v", m.Storage.S3)
			}
		})
	}
}

// TestDeployErrors: every error names the file, line and field, and the
// secret key is never quoted.
func TestDeployErrors(t *testing.T) {
	tests := []struct {
		name, extra string
		want        []string
	}{
		{"target", "deploy: {target: nomad}", []string{`regsetup.yaml:6: deploy.target: want "compose", "swarm" or "kubernetes", got "nomad"`}},
		{"compose replicas", "deploy: {replicas: {apache: 2}}", []string{"regsetup.yaml:6: deploy.replicas.apache: compose runs one of each"}},
		{"zero", "deploy:\n  target: swarm\n  replicas: {registry: 0}", []string{"regsetup.yaml:8: deploy.replicas.registry: 0 is out of range 1-100"}},
		{"recipe", "profile: recipe\ndeploy: {target: swarm}", []string{"deploy: needs the secure profile"}},
		{"include", "apache: {mode: include}\ndeploy: {target: kubernetes}", []string{`deploy.target: "kubernetes" needs apache.mode "container"`}},
		{"s3 missing", "storage: {driver: s3}", []string{"storage.s3: required with storage.driver \"s3\""}},
		{"s3 without driver", "storage: {s3: {bucket: b, access_key_env: A, secret_key_env: S}}", []string{`storage.s3: needs storage.driver "s3"`}},
		{"s3 fields", "storage:\n  driver: s3\n  s3:\n    endpoint: http://s3:8333/bucket\n    bucket: Bad_Bucket\n    root_directory: no-slash\n    access_key_env: A\n    access_key_file: a.key\n    secret_key_env: \"wJalrXUtnFEMI/K7MDENG\"",
			[]string{
				"regsetup.yaml:9: storage.s3.endpoint: want only scheme, host and port",
				`regsetup.yaml:10: storage.s3.bucket: "Bad_Bucket" is not a bucket name`,
				`regsetup.yaml:11: storage.s3.root_directory: "no-slash" is not a key prefix`,
				"regsetup.yaml:12: storage.s3.access_key_env: set exactly one of access_key_env or access_key_file",
				"regsetup.yaml:14: storage.s3.secret_key_env: not an environment variable name",
			}},
		{"plaintext", "storage: {driver: s3, s3: {endpoint: \"http://s3:8333\", bucket: registry, access_key_env: A, secret_key_env: S}}", []string{"storage.s3.endpoint: http:// sends every image in clear"}},
		{"unset key", "storage: {driver: s3, s3: {bucket: registry, access_key_env: A, secret_key_file: missing.key}}", []string{
			`storage.s3.access_key_env: environment variable "A" is not set or empty`, "storage.s3.secret_key_file:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadErr(t, writeSpec(t, baseSpec+tt.extra+"\n", nil), Options{})
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("error %q\nwant it to contain %q", got, w)
				}
			}
			if strings.Contains(got, "wJalrXUtnFEMI") {
				t.Errorf("the error quotes a secret: %s", got)
			}
		})
	}
}
