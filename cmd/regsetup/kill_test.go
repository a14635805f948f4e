package main

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/outdir"
	"github.com/regsetup/regsetup/internal/testenv"
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
// each kill that OUT/auth is still a real folder whose every artifact link
// resolves to one whole set, old or new, never a mix; then that one more
// init repairs everything (no leftovers, two sets, no drift).
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
	mustRun(t, bin, "init", "--spec", specs[cur.name], "--out", out)
	checkRepaired(t, out)
	mustRun(t, bin, "init", "--check", "--spec", specs[cur.name], "--out", out)
}

// TestConcurrentInit runs three inits at once on one folder, 20 times,
// alternating the two specs: each must succeed (the lock serializes them)
// and leave a whole set, never a dangling link.
func TestConcurrentInit(t *testing.T) {
	if testing.Short() && !testenv.InCI() {
		t.Skip("builds and runs the binary 60 times (never skipped under CI=true)")
	}
	bin := buildWithPause(t)
	out := filepath.Join(t.TempDir(), "out")
	specs := writeKillSpecs(t)
	for round := range 20 {
		var wg sync.WaitGroup
		outputs := make([][]byte, 3)
		errs := make([]error, 3)
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := killSpecs[(round+i)%2].name
				outputs[i], errs[i] = exec.Command(bin, "init", "--spec", specs[name], "--out", out).CombinedOutput()
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, run %d: %v\n%s", round, i, err, outputs[i])
			}
		}
		checkSet(t, out, false)
		if t.Failed() {
			t.Fatalf("round %d left the folder inconsistent", round)
		}
	}
	checkRepaired(t, out)
}

// mustRun runs the binary and fails the test when it does not exit 0.
func mustRun(t *testing.T, bin string, args ...string) {
	t.Helper()
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("regsetup %v: %v\n%s", args, err, b)
	}
}

// checkRepaired fails unless, after a complete init, OUT and OUT/auth hold
// no temporary entry, auth/ at most the current and the previous set, and
// no link in auth/ dangles.
func checkRepaired(t *testing.T, out string) {
	t.Helper()
	checkLayout(t, out)
	sets := 0
	for _, dir := range []string{out, filepath.Join(out, outdir.AuthDir)} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			n := e.Name()
			if strings.Contains(n, "tmp") {
				t.Errorf("%s: leftover %s", dir, n)
			}
			if strings.HasPrefix(n, ".set-") {
				sets++
			}
			if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
				t.Errorf("%s: %s does not resolve: %v", dir, n, err)
			}
		}
	}
	if sets < 1 || sets > 2 {
		t.Errorf("auth/ holds %d sets, want the current and at most the previous", sets)
	}
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
