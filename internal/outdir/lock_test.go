package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regsetup/regsetup/generator"
)

// TestConcurrentRuns: 20 runs on one folder at once, each taking the lock
// around Compute and Apply as init does, each with its own content: every
// run succeeds, finds the folder consistent and leaves what it wrote.
func TestConcurrentRuns(t *testing.T) {
	dir := t.TempDir()
	mustApply(t, dir, files("start"), false)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- lockedRun(dir, fmt.Sprintf("run-%02d", i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	checkLayout(t, dir, "httpd.conf", "httpd.htpasswd")
	if got := read(t, filepath.Join(dir, generator.HTTPDConf)); !strings.HasPrefix(got, "run-") {
		t.Errorf("auth/httpd.conf reads %q", got)
	}
}

// lockedRun is one init: lock, plan, apply, then (still locked) read back
// every file through auth/ and docker-compose.yml.
func lockedRun(dir, conf string) error {
	unlock, err := Lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	p, err := Compute(dir, files(conf))
	if err != nil {
		return fmt.Errorf("%s: %w", conf, err)
	}
	if _, err := p.Apply(false); err != nil {
		return fmt.Errorf("%s: %w", conf, err)
	}
	for _, f := range files(conf) {
		got, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil || string(got) != string(f.Data) {
			return fmt.Errorf("%s: right after its apply %s reads %q (%v)", conf, f.Path, got, err)
		}
	}
	if set, err := CurrentSet(dir); err != nil || !setRE.MatchString(set) {
		return fmt.Errorf("%s: .current is %q (%v)", conf, set, err)
	}
	return nil
}

func TestLockWaitsThenFails(t *testing.T) {
	defer func(d time.Duration) { lockWait = d }(lockWait)
	lockWait = 300 * time.Millisecond
	dir := filepath.Join(t.TempDir(), "out")
	if unlock, err := RLock(dir); err != nil {
		t.Fatalf("RLock on a folder not made yet: %v", err)
	} else {
		unlock()
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("RLock made the folder: %v", err)
	}
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for name, lock := range map[string]func(string) (func(), error){"Lock": Lock, "RLock": RLock} {
		if _, err := lock(dir); !errors.Is(err, ErrLocked) {
			t.Errorf("%s while another holds the lock: %v, want ErrLocked", name, err)
		}
	}
	if took := time.Since(start); took < 2*lockWait {
		t.Errorf("gave up after %v, before waiting %v each", took, lockWait)
	}
	released := make(chan error)
	go func() {
		u, err := Lock(dir) // waits for the unlock below
		if err == nil {
			u()
		}
		released <- err
	}()
	time.Sleep(100 * time.Millisecond)
	unlock()
	if err := <-released; err != nil {
		t.Errorf("Lock after the holder let go: %v", err)
	}
	r1, err1 := RLock(dir)
	r2, err2 := RLock(dir)
	if err1 != nil || err2 != nil {
		t.Errorf("two shared locks: %v %v", err1, err2)
	} else {
		r1()
		r2()
	}
}
