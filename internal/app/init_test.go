package app

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCostWarning: from bcrypt cost 10 on, init says what each request
// costs, measured on this machine; below, it says nothing.
func TestCostWarning(t *testing.T) {
	for _, tc := range []struct {
		cost int
		warn bool
	}{{5, false}, {10, true}} {
		dir := t.TempDir()
		spec := filepath.Join(dir, "regsetup.yaml")
		os.WriteFile(spec, []byte("domain: myregistrydomain.com\ntls: {generate: true}\nusers: [{name: ci, password: p}]\naccess: {push: [ci]}\nbcrypt_cost: "+strconv.Itoa(tc.cost)+"\n"), 0o644)
		res, err := Init(InitOptions{Paths: Paths{Spec: spec}})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(res.Warnings, "\n")
		if warned := strings.Contains(got, "measured here"); warned != tc.warn {
			t.Errorf("cost %d: warnings %q, want a measured warning: %v", tc.cost, got, tc.warn)
		}
	}
}
