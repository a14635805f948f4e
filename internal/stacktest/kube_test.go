package stacktest

import (
	"context"
	"strings"
	"syscall"
	"testing"
)

// TestStartKube: the harness's server answers kubectl through the
// kubeconfig it writes (checking the server's certificate), and Stop ends
// both processes.
func TestStartKube(t *testing.T) {
	k := StartKube(t)
	out, err := k.Run(context.Background(), "get", "namespace", "default", "-o", "name")
	if err != nil || strings.TrimSpace(out) != "namespace/default" {
		t.Fatalf("kubectl get namespace default: %v\n%s", err, out)
	}
	if out, err := k.Run(context.Background(), "version", "-o", "yaml"); err != nil || !strings.Contains(out, "gitVersion: v1.37") {
		t.Errorf("kubectl version: %v\n%s", err, out)
	}
	pids := []int{k.api.cmd.Process.Pid, k.etcd.cmd.Process.Pid}
	k.Stop()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("process %d still runs after Stop", pid)
		}
	}
	if _, err := k.Run(context.Background(), "get", "namespace", "default", "--request-timeout", "2s"); err == nil {
		t.Error("the server still answers after Stop")
	}
}
