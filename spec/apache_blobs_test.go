package spec

import (
	"strings"
	"testing"
)

// TestServeBlobs: on by default only where Apache can reach the
// registry's storage, off on request, and an error where asked for and
// out of reach.
func TestServeBlobs(t *testing.T) {
	env := func(k string) (string, bool) { return "key-" + k, true }
	s3 := "storage: {driver: s3, s3: {bucket: registry, access_key_env: A, secret_key_env: S}}"
	tests := []struct {
		name, extra string
		want        bool
	}{
		{"secure compose filesystem", "", true},
		{"off", "apache: {serve_blobs: false}", false},
		{"on", "apache: {serve_blobs: true}", true},
		{"recipe", "profile: recipe", false},
		{"include", "apache: {mode: include}", false},
		{"swarm", "deploy: {target: swarm}", false},
		{"kubernetes", "deploy: {target: kubernetes}", false},
		{"s3", s3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(writeSpec(t, baseSpec+tt.extra+"\n", nil), Options{LookupEnv: env})
			if err != nil {
				t.Fatal(err)
			}
			if m.Apache.ServeBlobs != tt.want {
				t.Errorf("ServeBlobs = %v, want %v", m.Apache.ServeBlobs, tt.want)
			}
		})
	}
}

// TestServeBlobsErrors: asked for where Apache cannot reach the blobs, the
// error names the line, the field and what it needs.
func TestServeBlobsErrors(t *testing.T) {
	tests := []struct {
		name, extra, want string
	}{
		{"recipe", "profile: recipe\napache: {serve_blobs: true}", "regsetup.yaml:7: apache.serve_blobs: needs the secure profile"},
		{"include", "apache: {mode: include, serve_blobs: true}", `regsetup.yaml:6: apache.serve_blobs: needs apache.mode "container"`},
		{"swarm", "deploy: {target: swarm}\napache: {serve_blobs: true}", `regsetup.yaml:7: apache.serve_blobs: needs deploy.target "compose"`},
		{"s3", "storage: {driver: s3, s3: {bucket: registry, access_key_env: A, secret_key_env: S}}\napache: {serve_blobs: true}", `regsetup.yaml:7: apache.serve_blobs: needs storage.driver "filesystem"`},
		{"not a bool", "apache: {serve_blobs: sometimes}", "regsetup.yaml:6: apache.serve_blobs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadErr(t, writeSpec(t, baseSpec+tt.extra+"\n", nil), Options{LookupEnv: func(k string) (string, bool) { return "v", true }})
			if !strings.Contains(got, tt.want) {
				t.Errorf("error %q\nwant it to contain %q", got, tt.want)
			}
		})
	}
}
