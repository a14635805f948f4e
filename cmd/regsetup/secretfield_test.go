package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
)

// TestSecretFieldNotEchoed runs init on the specs that put a password
// ("Sup3r-S3cret!") where a variable or file name belongs, in text and
// --json mode: no part of it may appear in any output.
func TestSecretFieldNotEchoed(t *testing.T) {
	const secret = "Sup3r-S3cret!"
	for _, name := range []string{"password-env-secret", "password-file-secret"} {
		for _, mode := range [][]string{nil, {"--json"}} {
			t.Run(name+strings.Join(mode, ""), func(t *testing.T) {
				f := filepath.Join(golden.Root(), "testdata", "invalid", name+".yaml")
				args := append([]string{"init", "--spec", f, "--out", filepath.Join(t.TempDir(), "out")}, mode...)
				code, stdout, stderr := runCLI(t, args...)
				if code != exitInvalid {
					t.Errorf("exit %d, want %d", code, exitInvalid)
				}
				// The spec's own name is no part of the value.
				out := strings.ReplaceAll(stdout+stderr, f, "SPEC")
				for i := 0; i+4 <= len(secret); i++ {
					if strings.Contains(out, secret[i:i+4]) {
						t.Errorf("output quotes %q of the secret field's value:\n%s", secret[i:i+4], out)
						break
					}
				}
			})
		}
	}
}
