package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyBadFlagValues: a flag value that cannot work is a bad command
// line (exit 2) naming the flag, found before anything is sent; a good
// command line against nothing listening still exits 7.
func TestVerifyBadFlagValues(t *testing.T) {
	spec := quickstartOn(t, "16091")
	notPEM := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resolve := "myregistrydomain.com:16091:127.0.0.1"
	tests := []struct {
		name  string
		flags []string
		code  int
		says  string
	}{
		{"resolve garbage", []string{"--resolve", "garbage"}, exitUsage, `--resolve "garbage"`},
		{"resolve without an address", []string{"--resolve", "myregistrydomain.com:16091:"}, exitUsage, "--resolve"},
		{"resolve with a bad port", []string{"--resolve", "myregistrydomain.com:http:127.0.0.1"}, exitUsage, "is not a port"},
		{"resolve for another host", []string{"--resolve", "other.test:16091:127.0.0.1"}, exitUsage, "want myregistrydomain.com:16091:ADDR"},
		{"unknown client", []string{"--client", "foo", "--resolve", resolve}, exitUsage, `--client "foo"`},
		{"missing ca file", []string{"--ca", filepath.Join(t.TempDir(), "missing.crt"), "--resolve", resolve}, exitUsage, "reading --ca"},
		{"ca file without a certificate", []string{"--ca", notPEM, "--resolve", resolve}, exitUsage, "holds no PEM certificate"},
		{"unknown cleanup", []string{"--cleanup", "sometimes", "--resolve", resolve}, exitUsage, `--cleanup "sometimes"`},
		{"bad tag", []string{"--tag", "a:b", "--resolve", resolve}, exitUsage, `--tag "a:b"`},
		{"negative layers", []string{"--layers", "-1", "--resolve", resolve}, exitUsage, "--layers -1"},
		{"negative layer size", []string{"--layer-size", "-5", "--resolve", resolve}, exitUsage, "--layer-size -5"},
		{"layers not a number", []string{"--layers", "abc", "--resolve", resolve}, exitUsage, "layers"},
		{"unknown push user", []string{"--push-user", "nobody", "--resolve", resolve}, exitUsage, `"nobody" is not a user of the spec`},
		{"pull user who may push", []string{"--pull-user", "testuserpush", "--resolve", resolve}, exitUsage, "not a pull-only user"},
		{"two bad values at once", []string{"--client", "foo", "--cleanup", "x"}, exitUsage, `--client "foo"`},
		{"good flags, nothing listening", []string{"--resolve", resolve, "--cleanup", "none", "--tag", "ci-1"}, exitCannotRun, "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"verify", "--spec", spec}, tt.flags...)...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.says) {
				t.Errorf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tt.code, tt.says, stdout, stderr)
			}
			if tt.code == exitUsage && stdout != "" {
				t.Errorf("a usage error printed to stdout (scripts read it):\n%s", stdout)
			}
		})
	}
}
