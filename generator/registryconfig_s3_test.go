package generator

import (
	"testing"

	"github.com/regsetup/regsetup/model"
)

// TestRegistryConfigS3Keys: keys with characters YAML gives a meaning to
// come back from config.yml as the same strings (registry 2.8 reads them
// with a YAML parser too), and every s3 parameter is the model's.
func TestRegistryConfigS3Keys(t *testing.T) {
	for _, key := range []string{
		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		"a: b # c", "- dash", "*alias", "&anchor", "!tag", "'single", `"double`, "%percent", "@at", "`tick",
		"true", "no", "~", "null", "0123", "1e3", "0x1F", "{flow: map}", "[list]", " leading space", "trailing space ",
	} {
		t.Run(key, func(t *testing.T) {
			s3 := &model.S3{Endpoint: "https://s3.internal:8333", Bucket: "registry", Region: "us-east-1",
				RootDirectory: "/registry", AccessKey: model.Secret("AK" + key), SecretKey: model.Secret(key)}
			out, err := RegistryConfigFile(scaledModel(model.TargetSwarm, 2, model.Storage{Driver: model.StorageS3, S3: s3}), Previous{})
			if err != nil {
				t.Fatal(err)
			}
			d, _ := parseConfig(t, out).Storage["s3"].(map[string]any)
			want := map[string]any{
				"accesskey": "AK" + key, "secretkey": key, "region": "us-east-1", "regionendpoint": "https://s3.internal:8333",
				"bucket": "registry", "secure": true, "v4auth": true, "rootdirectory": "/registry",
			}
			if len(d) != len(want) {
				t.Errorf("s3 parameters %v, want exactly %v", d, want)
			}
			for k, v := range want {
				if d[k] != v {
					t.Errorf("s3.%s = %#v, want %#v", k, d[k], v)
				}
			}
		})
	}
}

// TestRegistryConfigS3AWS: with no endpoint (AWS itself) the driver gets
// no regionendpoint (it derives the region's) and always TLS.
func TestRegistryConfigS3AWS(t *testing.T) {
	s3 := &model.S3{Bucket: "registry", Region: "eu-west-1", AccessKey: "AK", SecretKey: "SK"}
	out, err := RegistryConfigFile(scaledModel(model.TargetKubernetes, 2, model.Storage{Driver: model.StorageS3, S3: s3}), Previous{})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := parseConfig(t, out).Storage["s3"].(map[string]any)
	if _, ok := d["regionendpoint"]; ok || d["secure"] != true || d["region"] != "eu-west-1" {
		t.Errorf("s3 parameters for AWS: %v", d)
	}
	if _, ok := d["rootdirectory"]; ok {
		t.Errorf("an empty root directory is rendered: %v", d)
	}
}
