package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/regsetup/regsetup/generator"
)

// TestRegistrySecretSurvivesInit: the registry's config.yml (with the
// replicas' shared http.secret) is written 0600 once, a second init
// changes no byte of it, and a spec change elsewhere keeps the secret.
func TestRegistrySecretSurvivesInit(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "regsetup.yaml")
	write := func(users string) {
		t.Helper()
		doc := "domain: myregistrydomain.com\ntls: {generate: true}\nusers: [" + users + "]\naccess: {push: [ci]}\ndeploy: {target: swarm}\n"
		if err := os.WriteFile(spec, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func() []byte {
		t.Helper()
		if _, err := Init(InitOptions{Paths: Paths{Spec: spec}}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(generator.RegistryConfig))
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", generator.RegistryConfig, st.Mode().Perm())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	write("{name: ci, password: p}")
	first := read()
	if again := read(); !bytes.Equal(first, again) {
		t.Errorf("a second init changed config.yml:\n%s\n---\n%s", first, again)
	}
	write("{name: ci, password: p}, {name: bob, password: q}")
	if changed := read(); !bytes.Equal(first, changed) {
		t.Errorf("a user change changed config.yml (the shared secret must stay):\n%s\n---\n%s", first, changed)
	}
}
