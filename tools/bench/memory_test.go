package bench

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// TestTreeMemory checks that a process tree includes a child started under
// it (and not an unrelated process) and that its sampled peak is positive
// and grows with the child's memory.
func TestTreeMemory(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting sleep: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	self := os.Getpid()
	tree := treePIDs([]int{self})
	if !slices.Contains(tree, cmd.Process.Pid) {
		t.Errorf("tree of %d = %v, missing child %d", self, tree, cmd.Process.Pid)
	}
	if slices.Contains(treePIDs([]int{cmd.Process.Pid}), self) {
		t.Error("the child's tree holds its parent")
	}
	alone := sampleMemory(func() []int { return []int{cmd.Process.Pid} })
	time.Sleep(2 * memInterval)
	child := alone.Stop()
	both := sampleMemory(func() []int { return []int{self} }).Stop()
	if child <= 0 || both <= child {
		t.Errorf("peak of the child %d bytes, of the test and the child %d; want 0 < child < both", child, both)
	}
	if processMemory(-1) != 0 {
		t.Error("memory of a missing process is not 0")
	}
}

// TestTreeCPU checks that the CPU time of the test's own tree grows while
// it spins, and that a missing process counts nothing.
func TestTreeCPU(t *testing.T) {
	self := []int{os.Getpid()}
	before := treeCPU(self)
	x := 0
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
		x++
	}
	if after := treeCPU(self); after-before < 0.05 {
		t.Errorf("CPU %.2f s → %.2f s after spinning 0.1 s (%d loops); want +0.05 s or more", before, after, x)
	}
	if treeCPU([]int{-1}) != 0 {
		t.Error("CPU of a missing process is not 0")
	}
}
