package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// TestVersionOf: a release build names its version, a checkout build
// "(devel)" with the revision and whether the tree had changes.
func TestVersionOf(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{"go install @v1.2.3", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3, go1.26.8"},
		{"checkout", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-12-01T00:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			"(devel), revision 0123abc, committed 2026-12-01T00:00:00Z, go1.26.8"},
		{"modified checkout", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.modified", Value: "true"}}}, "(devel), revision 0123abc (modified)"},
		{"no version at all", debug.BuildInfo{}, "(devel)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionOf(&tt.info); got != tt.want {
				t.Errorf("versionOf = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVersionFlagAndCommand: both print the same line, on stdout.
func TestVersionFlagAndCommand(t *testing.T) {
	_, flag, _ := runCLI(t, "--version")
	code, cmd, stderr := runCLI(t, "version")
	if code != exitOK || flag != cmd || !strings.HasPrefix(cmd, "regsetup version "+version()+"\n") {
		t.Errorf("--version printed %q, version printed %q (exit %d, %s); want both %q", flag, cmd, code, stderr, "regsetup version "+version())
	}
}

// TestVersionFromACheckout builds regsetup from a clone of this
// repository's HEAD (Go records no revision in a git worktree: it looks
// for a .git folder) and checks that --version names a version and that
// revision, then that a changed file adds "(modified)".
func TestVersionFromACheckout(t *testing.T) {
	testenv.Long(t, "clones the repository and builds twice")
	testenv.Tool(t, "git")
	root := golden.Root()
	rev, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		testenv.Missing(t, "a git checkout of regsetup")
	}
	want := strings.TrimSpace(string(rev))
	clone := filepath.Join(t.TempDir(), "src")
	if b, err := exec.Command("git", "clone", "-q", "--no-checkout", root, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, b)
	}
	if b, err := exec.Command("git", "-C", clone, "checkout", "-q", want).CombinedOutput(); err != nil {
		t.Fatalf("git checkout: %v\n%s", err, b)
	}
	build := func() string {
		bin := filepath.Join(t.TempDir(), "regsetup")
		cmd := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/regsetup")
		cmd.Dir = clone
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		out, err := exec.Command(bin, "--version").Output()
		if err != nil {
			t.Fatalf("regsetup --version: %v", err)
		}
		return string(out)
	}
	// Go 1.24 on stamps a clean checkout with a pseudo-version
	// (v0.0.0-DATE-REV) and a changed one with "+dirty" or "(devel)".
	if got := build(); !strings.HasPrefix(got, "regsetup version v") || !strings.Contains(got, "revision "+want+", ") {
		t.Errorf("--version = %q, want a module version and revision %s, unmodified", got, want)
	}
	if err := os.WriteFile(filepath.Join(clone, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := build(); !strings.Contains(got, "revision "+want+" (modified)") {
		t.Errorf("after a change, --version = %q, want revision %s (modified)", got, want)
	}
}
