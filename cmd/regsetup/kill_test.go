package main

import (
	"errors"
	"github.com/regsetup/regsetup/internal/testenv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/regsetup/regsetup/internal/golden"
)

// killSeed makes the kill times reproducible; REGSETUP_KILL_SEED overrides
// it to replay or explore.
const killSeed = 20240611

// killRuns is how many runs are killed.
const killRuns = 48

// killPause is outdir's pause after each disk step in the test build,
// so that random kills land between any two steps (internal/outdir/pause.go).
const killPause = "15ms"

// TestKillDuringInit kills `regsetup init` at random times while it
// switches between two specs that change every auth file, and checks after
// each kill that OUT/auth holds one whole set, old or new, never a mix.
func TestKillDuringInit(t *testing.T) {
	if testing.Short() && !testenv.InCI() {
		t.Skip("builds and runs the binary about 50 times (never skipped under CI=true)")
	}
	bin := buildWithPause(t)
	out := filepath.Join(t.TempDir(), "out")
	specs := writeKillSpecs(t)
	configTest := canConfigTest(t)
	full := measureRun(t, bin, specs, out)
	seed := seedFromEnv(t)
	t.Logf("seed %d (set REGSETUP_KILL_SEED to replay), a full run takes %v", seed, full)
	rng := rand.New(rand.NewPCG(seed, seed))
	cur := checkSet(t, out, configTest)
	outcomes := map[string]int{}
	for i := range killRuns {
		next := killSpecs[1-cur.index]
		delay := time.Duration(rng.Int64N(int64(full)))
		outcomes[runAndKill(t, bin, specs[next.name], out, delay)]++
		got := checkSet(t, out, configTest)
		if t.Failed() {
			t.Fatalf("run %d (killed after %v, from %s towards %s) left an inconsistent set", i, delay, cur.name, next.name)
		}
		if got.name != cur.name {
			outcomes["switched"]++
		}
		cur = got
	}
	t.Logf("outcomes: %v", outcomes)
}

// buildWithPause builds regsetup with outdir's step pause.
func buildWithPause(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "regsetup")
	flags := "-X github.com/regsetup/regsetup/internal/outdir.stepPause=" + killPause
	cmd := exec.Command("go", "build", "-ldflags", flags, "-o", bin, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

// measureRun renders both specs once (uninterrupted) and returns the
// longer of the two durations: the range of the kill times.
func measureRun(t *testing.T, bin string, specs map[string]string, out string) time.Duration {
	t.Helper()
	var longest time.Duration
	for _, v := range []string{"a", "b", "a"} {
		start := time.Now()
		if b, err := exec.Command(bin, "init", "--spec", specs[v], "--out", out).CombinedOutput(); err != nil {
			t.Fatalf("init %s: %v\n%s", v, err, b)
		}
		longest = max(longest, time.Since(start))
	}
	return longest
}

// runAndKill starts init and sends SIGKILL after delay. It returns
// "killed" or "finished"; any other end fails the test.
func runAndKill(t *testing.T, bin, spec, out string, delay time.Duration) string {
	t.Helper()
	cmd := exec.Command(bin, "init", "--spec", spec, "--out", out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "finished"
	case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		return "killed"
	}
	t.Fatalf("init ended with %v (after a kill, the next run must succeed)", err)
	return ""
}

func seedFromEnv(t *testing.T) uint64 {
	t.Helper()
	s := os.Getenv("REGSETUP_KILL_SEED")
	if s == "" {
		return killSeed
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("REGSETUP_KILL_SEED: %v", err)
	}
	return n
}
