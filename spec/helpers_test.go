package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// baseSpec is a valid spec that needs no files; tests replace its lines.
const baseSpec = `domain: myregistrydomain.com
tls: {generate: true}
users:
  - {name: alice, password: pw}
access: {push: [alice]}
`

// writeSpec writes doc as regsetup.yaml into a new folder, with files
// (name -> content) beside it, and returns the spec's path.
func writeSpec(t *testing.T, doc string, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "regsetup.yaml")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadErr loads the spec at p and returns its error text ("" when valid),
// failing the test if loading takes longer than a few seconds (a hang).
func loadErr(t *testing.T, p string, opts Options) string {
	t.Helper()
	if opts.LookupEnv == nil {
		opts.LookupEnv = func(string) (string, bool) { return "", false }
	}
	done := make(chan error, 1)
	go func() { _, err := Load(p, opts); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			return ""
		}
		return err.Error()
	case <-time.After(10 * time.Second):
		t.Fatalf("loading %s did not finish in 10s", p)
	}
	return ""
}

// with returns baseSpec with the line starting with prefix replaced by
// line (or line appended when no line starts with prefix).
func with(prefix, line string) string {
	lines := strings.Split(strings.TrimSuffix(baseSpec, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			lines[i] = line
			return strings.Join(lines, "\n") + "\n"
		}
	}
	return baseSpec + line + "\n"
}
