package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFilesThatNeverEnd names a FIFO (no writer: opening it would wait
// forever), endless devices, a folder and an oversized file as each file a
// spec reads: each is refused at once, with the field, and nothing is read
// without bound.
func TestFilesThatNeverEnd(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	pair := map[string][]byte{}
	for _, f := range []string{"domain.crt", "domain.key"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		pair[f] = data
	}
	sources := []struct{ path, want string }{
		{fifo, "not a regular file (a FIFO)"},
		{"/dev/zero", "not a regular file (a character device)"},
		{"/dev/urandom", "not a regular file (a character device)"},
		{dir, "not a regular file (a folder)"},
		{big, "too large"},
	}
	for _, src := range sources {
		docs := map[string]string{
			"users[0].password_file": with("  - {name", fmt.Sprintf("  - {name: alice, password_file: %q}", src.path)),
			"tls.cert":               with("tls:", fmt.Sprintf("tls: {cert: %q, key: domain.key}", src.path)),
			"tls.key":                with("tls:", fmt.Sprintf("tls: {cert: domain.crt, key: %q}", src.path)),
		}
		for field, doc := range docs {
			t.Run(filepath.Base(src.path)+"/"+field, func(t *testing.T) {
				got := loadErr(t, writeSpec(t, doc, pair), Options{})
				if !strings.Contains(got, field+": ") || !strings.Contains(got, src.want) {
					t.Errorf("error %q, want %s: ... %s", got, field, src.want)
				}
			})
		}
	}
}

// TestSpecReadBounded proves an endless spec (/dev/zero) is an error, not
// an endless read, while a spec from a pipe (--spec <(...)) still loads.
func TestSpecReadBounded(t *testing.T) {
	if got := loadErr(t, "/dev/zero", Options{}); !strings.Contains(got, "too large") {
		t.Errorf("Load(/dev/zero): %q, want too large", got)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.WriteString(baseSpec)
		w.Close()
	}()
	if got := loadErr(t, fmt.Sprintf("/dev/fd/%d", r.Fd()), Options{}); got != "" {
		t.Errorf("a spec from a pipe: %s", got)
	}
}
