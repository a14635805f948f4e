package generator

import (
	"bytes"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/model"
	"gopkg.in/yaml.v3"
)

func scaledModel(target string, registries int, st model.Storage) *model.Model {
	return &model.Model{
		Profile: model.ProfileSecure, Domain: "myregistrydomain.com", Port: 5043,
		Deploy:  model.Deploy{Target: target, Replicas: model.Replicas{Apache: 2, Registry: registries}},
		Storage: st,
	}
}

// parsed is the part of config.yml the tests read.
type parsed struct {
	HTTP    struct{ Addr, Secret string }
	Storage map[string]any
}

func parseConfig(t *testing.T, data []byte) parsed {
	t.Helper()
	var p parsed
	if err := yaml.Unmarshal(data, &p); err != nil {
		t.Fatalf("config.yml does not parse: %v\n%s", err, data)
	}
	return p
}

// TestRegistryConfigSecretKept: the http.secret is 64 hex digits, made
// once, and a render from the previous file keeps every byte; a different
// first render makes a different secret (it is not a constant).
func TestRegistryConfigSecretKept(t *testing.T) {
	m := scaledModel(model.TargetSwarm, 2, model.Storage{Driver: model.StorageFilesystem})
	first, err := RegistryConfigFile(m, Previous{})
	if err != nil {
		t.Fatal(err)
	}
	secret := parseConfig(t, first).HTTP.Secret
	if !secretRE.MatchString(secret) {
		t.Fatalf("http.secret %q is not 64 hex digits", secret)
	}
	again, err := RegistryConfigFile(m, Previous{RegistryConfig: first})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Errorf("a re-render changed config.yml:\n%s\n---\n%s", first, again)
	}
	other, err := RegistryConfigFile(m, Previous{})
	if err != nil {
		t.Fatal(err)
	}
	if parseConfig(t, other).HTTP.Secret == secret {
		t.Error("two first renders made the same secret")
	}
	for _, bad := range []string{"", "http: {secret: short}\n", "not: [yaml\n"} {
		out, err := RegistryConfigFile(m, Previous{RegistryConfig: []byte(bad)})
		if err != nil {
			t.Fatal(err)
		}
		if s := parseConfig(t, out).HTTP.Secret; !secretRE.MatchString(s) {
			t.Errorf("from %q: secret %q", bad, s)
		}
	}
}

// TestRegistryConfigStorage: the driver's parameters, no redirect to the
// bucket, and the in-memory descriptor cache only with one replica.
func TestRegistryConfigStorage(t *testing.T) {
	s3 := &model.S3{Endpoint: "http://s3:8333", Bucket: "registry", Region: "us-east-1", RootDirectory: "/r", AccessKey: "AK", SecretKey: "SK"}
	tests := []struct {
		name       string
		m          *model.Model
		driver     string
		wantCache  bool
		wantSecure bool
	}{
		{"swarm filesystem", scaledModel(model.TargetSwarm, 2, model.Storage{Driver: model.StorageFilesystem}), "filesystem", false, false},
		{"one registry", scaledModel(model.TargetSwarm, 1, model.Storage{Driver: model.StorageFilesystem}), "filesystem", true, false},
		{"s3 plaintext", scaledModel(model.TargetKubernetes, 2, model.Storage{Driver: model.StorageS3, S3: s3}), "s3", false, false},
		{"s3 https", scaledModel(model.TargetCompose, 1, model.Storage{Driver: model.StorageS3, S3: &model.S3{Endpoint: "https://s3.internal:8333", Bucket: "b", Region: "eu-west-1", AccessKey: "AK", SecretKey: "SK"}}), "s3", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := RegistryConfigFile(tt.m, Previous{})
			if err != nil {
				t.Fatal(err)
			}
			st := parseConfig(t, out).Storage
			if _, ok := st[tt.driver]; !ok || len(st) != 3+boolInt(tt.wantCache) {
				t.Errorf("storage %v, want driver %s and delete, redirect (cache %v)", st, tt.driver, tt.wantCache)
			}
			if _, ok := st["cache"]; ok != tt.wantCache {
				t.Errorf("cache present %v, want %v", ok, tt.wantCache)
			}
			if r, _ := st["redirect"].(map[string]any); r["disable"] != true {
				t.Errorf("redirect %v, want disabled", st["redirect"])
			}
			if tt.driver == "s3" {
				d := st["s3"].(map[string]any)
				if d["secure"] != tt.wantSecure || d["accesskey"] != "AK" || d["secretkey"] != "SK" || d["v4auth"] != true {
					t.Errorf("s3 parameters %v", d)
				}
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRegistryConfiguredOnlyWhenNeeded: Compose on the filesystem keeps
// the image's config (and the compose file the document's shape); a
// scaled target or S3 renders one and mounts it.
func TestRegistryConfiguredOnlyWhenNeeded(t *testing.T) {
	plain := &model.Model{Profile: model.ProfileSecure, Domain: "d.example", Port: 5043}
	if plain.RegistryConfigured() {
		t.Error("the zero deploy renders a registry config")
	}
	s3 := scaledModel(model.TargetCompose, 1, model.Storage{Driver: model.StorageS3, S3: &model.S3{Bucket: "b", Region: "r"}})
	if !s3.RegistryConfigured() {
		t.Fatal("compose with s3 renders no registry config")
	}
	out, err := ComposeYAML(s3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), RegistryConfigPath) || strings.Contains(string(out), RegistryDataDir) {
		t.Errorf("compose with s3: want the config mounted and no data folder:\n%s", out)
	}
}
