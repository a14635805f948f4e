package bench

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memInterval is how often a memSampler reads the process trees.
const memInterval = 100 * time.Millisecond

// memSampler samples, every memInterval, the proportional set size (PSS:
// shared pages divided among the processes sharing them, so that Apache's
// forked children are not counted eight times for the same library pages)
// of every process in the trees under roots, and keeps the peak of the sum.
type memSampler struct {
	roots func() []int
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	peak  int64 // bytes
}

// sampleMemory starts a sampler over the process trees of roots (called
// at each sample: a tree may gain processes).
func sampleMemory(roots func() []int) *memSampler {
	m := &memSampler{roots: roots, stop: make(chan struct{}), done: make(chan struct{})}
	m.sample()
	go func() {
		defer close(m.done)
		t := time.NewTicker(memInterval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.sample()
			}
		}
	}()
	return m
}

// Stop ends sampling (one last sample) and returns the peak in bytes.
func (m *memSampler) Stop() int64 {
	close(m.stop)
	<-m.done
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak
}

// Peak is the peak so far, in bytes (right after sampleMemory: the
// memory at the start).
func (m *memSampler) Peak() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak
}

func (m *memSampler) sample() {
	var sum int64
	for _, pid := range treePIDs(m.roots()) {
		sum += processMemory(pid)
	}
	m.mu.Lock()
	m.peak = max(m.peak, sum)
	m.mu.Unlock()
}

// treePIDs is roots and all their descendants, from /proc/*/stat.
func treePIDs(roots []int) []int {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentPID(pid); ok {
			children[pp] = append(children[pp], pid)
		}
	}
	var out []int
	seen := map[int]bool{}
	queue := append([]int(nil), roots...)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p <= 0 || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
		queue = append(queue, children[p]...)
	}
	return out
}

// parentPID reads the PPid of pid from /proc/PID/stat (the field after
// the parenthesised command name, which may hold spaces).
func parentPID(pid int) (int, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// processMemory is pid's PSS in bytes (smaps_rollup), or its VmRSS where
// smaps_rollup is missing; 0 if the process is gone.
func processMemory(pid int) int64 {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	if v, ok := kBField(filepath.Join(dir, "smaps_rollup"), "Pss:"); ok {
		return v
	}
	v, _ := kBField(filepath.Join(dir, "status"), "VmRSS:")
	return v
}

// kBField reads "NAME   123 kB" from a /proc file, in bytes.
func kBField(path, name string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		fs := strings.Fields(line[len(name):])
		if len(fs) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(fs[0], 10, 64)
		return n << 10, err == nil
	}
	return 0, false
}

// pidsMatching lists the processes whose command line contains substr.
func pidsMatching(substr string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(substr)) {
			out = append(out, pid)
		}
	}
	return out
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times
// (100 on every Linux architecture Go supports).
const clockTicks = 100

// treeCPU is the CPU time (user + system, all threads) the processes in the
// trees under roots have used so far, in seconds.
func treeCPU(roots []int) float64 {
	var ticks int64
	for _, pid := range treePIDs(roots) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 { // state is field 3; utime, stime are fields 14, 15
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return float64(ticks) / clockTicks
}
