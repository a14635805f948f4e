package stacktest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// Swarm is a single-node Docker Swarm on a private dockerd, inside a
// network namespace of its own: the dockerd the Compose tests use is
// never put in swarm mode, and a crashed run leaves no swarm state
// behind (the data root is a temporary folder). A veth pair joins the
// namespace to this one: Addr (the node's address, as the swarm
// advertises it) is reachable from the test, so host-mode published
// ports answer on Addr:port.
type Swarm struct {
	Host string // the private daemon, for DOCKER_HOST: unix://DIR/docker.sock
	Addr string // the node's address, reachable from here

	ns, veth, dir string
	dockerd       *proc
}

// swarmTools are the programs StartSwarm runs.
var swarmTools = []string{"ip", "dockerd", "docker", "mount", "nice"}

// StartSwarm starts the private dockerd, copies images into it from the
// default daemon (docker save | docker load: read-only on that side),
// and makes it a one-node swarm. Everything is stopped and removed when
// the test ends. A missing part (root, a tool, an image) skips the test,
// or fails it under CI=true.
func StartSwarm(t testing.TB, images ...string) *Swarm {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root privileges (network namespaces, a private dockerd)")
	}
	for _, tool := range swarmTools {
		testenv.Tool(t, tool)
	}
	for _, img := range images {
		if out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", img).CombinedOutput(); err != nil {
			testenv.Missing(t, "the image "+img+" in the default docker daemon (images/build.sh): "+strings.TrimSpace(string(out)))
		}
	}
	s := &Swarm{dir: t.TempDir()}
	t.Cleanup(s.stop)
	if err := s.namespace(); err != nil {
		testenv.Missing(t, "a network namespace joined by a veth pair (ip netns, ip link): "+err.Error())
	}
	if err := s.start(); err != nil {
		t.Fatalf("stacktest: starting a private dockerd: %v\n--- dockerd log (tail) ---\n%s", err, s.tail())
	}
	if err := s.load(images); err != nil {
		t.Fatalf("stacktest: copying images into the private dockerd: %v", err)
	}
	if out, err := s.Docker("swarm", "init", "--advertise-addr", s.Addr, "--default-addr-pool", "10.210.0.0/16"); err != nil {
		t.Fatalf("stacktest: docker swarm init: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stacktest: private dockerd log (tail):\n%s", s.tail())
		}
	})
	return s
}

// namespace makes the network namespace and the veth pair joining it
// to this one.
func (s *Swarm) namespace() error {
	n, err := claimNamespace()
	if err != nil {
		return err
	}
	s.ns, s.veth = fmt.Sprintf("rgsw%d", n), fmt.Sprintf("rgsw%dh", n)
	hostAddr, nsAddr := fmt.Sprintf("10.231.%d.1", n), fmt.Sprintf("10.231.%d.2", n)
	s.Addr, s.Host = nsAddr, "unix://"+filepath.Join(s.dir, "docker.sock")
	for _, args := range [][]string{
		{"netns", "exec", s.ns, "ip", "link", "set", "lo", "up"},
		{"link", "add", s.veth, "type", "veth", "peer", "name", s.ns + "n"},
		{"link", "set", s.ns + "n", "netns", s.ns},
		{"addr", "add", hostAddr + "/30", "dev", s.veth},
		{"link", "set", s.veth, "up"},
		{"netns", "exec", s.ns, "ip", "addr", "add", nsAddr + "/30", "dev", s.ns + "n"},
		{"netns", "exec", s.ns, "ip", "link", "set", s.ns + "n", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// start starts dockerd in the namespace and waits until it answers.
func (s *Swarm) start() error {
	if err := os.WriteFile(filepath.Join(s.dir, "daemon.json"), []byte("{}\n"), 0o644); err != nil {
		return err
	}
	cmd := exec.Command("ip", "netns", "exec", s.ns, "sh", "-c", dockerdScript, "dockerd", s.dir, s.ns)
	var err error
	if s.dockerd, err = startProc("dockerd", filepath.Join(s.dir, "dockerd.log"), cmd); err != nil {
		return err
	}
	return s.dockerd.waitReady(60*time.Second, func() error {
		_, err := s.Docker("info", "--format", "{{.ServerVersion}}")
		return err
	})
}

// dockerdScript runs in the namespace's own mount namespace (ip netns
// exec), whose fresh /sys lacks the cgroup mounts dockerd needs: it mounts
// them (cgroup v2 or the v1 controllers), then becomes dockerd. $1 is the
// folder, $2 the namespace's name.
const dockerdScript = `set -e
if [ -e /sys/fs/cgroup/cgroup.controllers ] || [ "$(stat -fc %T /proc/1/root/sys/fs/cgroup)" = cgroup2fs ]; then
  mount -t cgroup2 none /sys/fs/cgroup
else
  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
  for c in cpu cpuacct cpuset memory devices freezer blkio pids; do mkdir -p /sys/fs/cgroup/$c; mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done
  mkdir -p /sys/fs/cgroup/systemd; mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
fi
exec nice -n 10 dockerd --config-file "$1/daemon.json" --data-root "$1/root" --exec-root "$1/exec" \
  --pidfile "$1/dockerd.pid" -H "unix://$1/docker.sock" --containerd-namespace "$2" --containerd-plugins-namespace "$2p" \
  --bip 10.199.0.1/24 --default-address-pool base=10.200.0.0/16,size=24 --cgroup-parent "/$2" --storage-driver overlay2`

// claimNamespace picks N for 10.231.N.0/30, one no interface here uses,
// and claims it by making the namespace rgswN (which fails when another
// test binary, or a run that crashed, has it).
func claimNamespace() (int, error) {
	out, err := exec.Command("ip", "-4", "-o", "addr").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("ip addr: %w: %s", err, out)
	}
	start := os.Getpid() % 200
	var last error
	for i := 0; i < 200; i++ {
		n := 10 + (start+i)%200
		if strings.Contains(string(out), fmt.Sprintf(" 10.231.%d.", n)) {
			continue
		}
		out, err := exec.Command("ip", "netns", "add", fmt.Sprintf("rgsw%d", n)).CombinedOutput()
		if err == nil {
			return n, nil
		}
		last = fmt.Errorf("ip netns add rgsw%d: %w: %s", n, err, out)
	}
	return 0, fmt.Errorf("no free 10.231.N.0/30 subnet and namespace: %v", last)
}

// load copies images from the default daemon into the private one.
func (s *Swarm) load(images []string) error {
	if len(images) == 0 {
		return nil
	}
	save := exec.Command("docker", append([]string{"save"}, images...)...)
	save.Env = withoutDockerHost()
	load := exec.Command("docker", "-H", s.Host, "load")
	pipe, err := save.StdoutPipe()
	if err != nil {
		return err
	}
	load.Stdin = pipe
	var saveErr strings.Builder
	save.Stderr = &saveErr
	if err := save.Start(); err != nil {
		return fmt.Errorf("docker save: %w", err)
	}
	out, lerr := load.CombinedOutput()
	if err := save.Wait(); err != nil {
		return fmt.Errorf("docker save %s: %w: %s", strings.Join(images, " "), err, saveErr.String())
	}
	if lerr != nil {
		return fmt.Errorf("docker load: %w: %s", lerr, out)
	}
	return nil
}

// withoutDockerHost is this process's environment for the default daemon.
func withoutDockerHost() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DOCKER_HOST=") && !strings.HasPrefix(e, "DOCKER_CONTEXT=") {
			env = append(env, e)
		}
	}
	return env
}

// Docker runs the docker CLI against the private daemon and returns its
// combined output.
func (s *Swarm) Docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", append([]string{"-H", s.Host}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// InNamespace runs a program inside the swarm's network namespace (where
// the overlay network's task addresses are reachable from the node).
func (s *Swarm) InNamespace(name string, args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", s.ns, name}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (s *Swarm) tail() string {
	if s.dockerd == nil {
		return "(not started)"
	}
	return s.dockerd.tail(30)
}

// stop leaves the swarm, stops dockerd (it stops its containers and its
// containerd), kills what is left in the namespace by PID, and removes
// the namespace and the veth pair. The folder goes with t.TempDir.
func (s *Swarm) stop() {
	if s.dockerd != nil && !s.dockerd.exited() {
		s.Docker("swarm", "leave", "--force")
		s.dockerd.stop(30 * time.Second)
	}
	if s.ns == "" {
		return
	}
	if out, err := exec.Command("ip", "netns", "pids", s.ns).Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	exec.Command("ip", "netns", "del", s.ns).Run()
	exec.Command("ip", "link", "del", s.veth).Run()
}
