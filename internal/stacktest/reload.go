package stacktest

import (
	"fmt"
	"strings"
	"syscall"
	"time"
)

// generationMark is what httpd logs each time a generation of children
// starts serving: at start and after every graceful or full restart (event
// AH00489, worker AH00292, prefork AH00163).
const generationMark = "resuming normal operations"

// Generations is how many generations of Apache children have started so
// far (1 after Start, one more per completed reload).
func (s *Stack) Generations() int {
	return strings.Count(s.ApacheLog(), generationMark)
}

// Reload asks Apache for a graceful restart (SIGUSR1, what "apachectl
// graceful" and regsetup up send): the parent re-reads httpd.conf, starts
// new children and lets the old ones finish their requests. It waits up to
// timeout until the parent logs that the new generation serves and returns
// how long that took.
func (s *Stack) Reload(timeout time.Duration) (time.Duration, error) {
	if s.apache == nil || s.apache.exited() {
		return 0, fmt.Errorf("reloading apache: not running")
	}
	before := s.Generations()
	start := time.Now()
	if err := syscall.Kill(s.apache.cmd.Process.Pid, syscall.SIGUSR1); err != nil {
		return 0, fmt.Errorf("reloading apache: sending SIGUSR1: %w", err)
	}
	for s.Generations() <= before {
		if s.apache.exited() {
			return 0, fmt.Errorf("reloading apache: httpd exited\n%s", s.apache.tail(20))
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("reloading apache: no new generation after %v\n%s", timeout, s.apache.tail(20))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start), nil
}

// ApachePID is the process id of Apache's parent process (in this
// program's PID namespace), e.g. to count its children.
func (s *Stack) ApachePID() int {
	if s.apache == nil {
		return 0
	}
	return s.apache.cmd.Process.Pid
}
