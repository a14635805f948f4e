package stacktest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// proc is a long-running child process in its own process group, with its
// stdout and stderr appended to a log file.
type proc struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	err     error         // Wait's result, valid after done
}

// startProc starts cmd with its output appended to logPath, in its own
// process group. It gets SIGKILL if the test binary dies without running
// its cleanups.
func startProc(name, logPath string, cmd *exec.Cmd) (*proc, error) {
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening %s log: %w", name, err)
	}
	defer log.Close() // the child has its own copy
	cmd.Stdout = log
	cmd.Stderr = log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after timeout, and
// waits for the process. It is safe to call more than once.
func (p *proc) stop(timeout time.Duration) {
	pgid := p.cmd.Process.Pid
	if !p.exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(timeout):
		}
	}
	// Also reaps stragglers (e.g. httpd workers) left in the group.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
}

// log returns the whole log file ("" if unreadable).
func (p *proc) log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// tail returns the last n lines of the log.
func (p *proc) tail(n int) string { return tail(p.log(), n) }

// tail returns the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitReady polls check until it succeeds, the process exits or timeout
// passes; errors carry the tail of the process log.
func (p *proc) waitReady(timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if p.exited() {
			return &earlyExitError{name: p.name, err: p.err, log: p.tail(30)}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %v: %w\n--- %s log (tail) ---\n%s", p.name, timeout, err, p.name, p.tail(30))
		}
		select {
		case <-p.done:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// earlyExitError is a process that exited before it became ready.
type earlyExitError struct {
	name string
	err  error
	log  string
}

func (e *earlyExitError) Error() string {
	return fmt.Sprintf("%s exited early (%v)\n--- %s log (tail) ---\n%s", e.name, e.err, e.name, e.log)
}

func (e *earlyExitError) Unwrap() error { return e.err }

// addrInUse reports whether err is a process that died for lack of its port.
func addrInUse(err error) bool {
	var ee *earlyExitError
	return errors.As(err, &ee) && strings.Contains(strings.ToLower(ee.log), "address already in use")
}
