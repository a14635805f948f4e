package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
)

// specWithFiles is a spec naming a certificate, a key and a password file,
// all relative to its folder.
const specWithFiles = `domain: myregistrydomain.com
tls:
  cert: domain.crt
  key: domain.key
users:
  - name: testuser
    password_file: sub/testuser.password
  - name: testuserpush
    password: testpasswordpush
groups:
  pusher: [testuserpush]
access:
  push: [pusher]
`

// folderWithSpec makes a folder holding regsetup.yaml and the files it
// names, and an "outside.crt" beside the folder.
func folderWithSpec(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "site")
	write := func(path string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"domain.crt", "domain.key"} {
		data, err := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(dir, f), data)
		write(filepath.Join(root, "outside"+filepath.Ext(f)), data)
	}
	write(filepath.Join(dir, "sub", "testuser.password"), []byte("testpassword\n"))
	write(filepath.Join(dir, "regsetup.yaml"), []byte(specWithFiles))
	return dir
}

// TestRelativeFilesFromTheSpecsFolder loads the spec as the README's flow
// does, from its own folder with the default --spec regsetup.yaml, and
// from elsewhere; a symlink that leaves the folder is refused in both.
func TestRelativeFilesFromTheSpecsFolder(t *testing.T) {
	dir := folderWithSpec(t)
	tests := []struct {
		name, cwd, spec string
	}{
		{"the spec in the current folder", dir, "regsetup.yaml"},
		{"dot slash", dir, "./regsetup.yaml"},
		{"from the parent", filepath.Dir(dir), filepath.Join("site", "regsetup.yaml")},
		{"absolute", t.TempDir(), filepath.Join(dir, "regsetup.yaml")},
		{"from a subfolder", filepath.Join(dir, "sub"), filepath.Join("..", "regsetup.yaml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.cwd)
			m, err := Load(tt.spec, Options{})
			if err != nil {
				t.Fatalf("Load(%q) in %s: %v", tt.spec, tt.cwd, err)
			}
			if len(m.TLS.CertPEM) == 0 || m.Users[0].Password.Reveal() != "testpassword" {
				t.Errorf("the files were not read: cert %d bytes, password %q", len(m.TLS.CertPEM), m.Users[0].Password.Reveal())
			}
		})
		t.Run(tt.name+", symlink leaving the folder", func(t *testing.T) {
			escape := filepath.Join(dir, "escape.crt")
			if err := os.Symlink(filepath.Join("..", "outside.crt"), escape); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(escape)
			data := strings.Replace(specWithFiles, "cert: domain.crt", "cert: escape.crt", 1)
			if err := os.WriteFile(filepath.Join(dir, "escape.yaml"), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Chdir(tt.cwd)
			_, err := Load(filepath.Join(filepath.Dir(tt.spec), "escape.yaml"), Options{})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "symlink that leaves the spec's folder") {
				t.Errorf("Load = %v, want the symlink refused", err)
			}
		})
	}
}
