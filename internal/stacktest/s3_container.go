package stacktest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// WeedImage is the local image scripts/install-seaweedfs.sh builds: weed,
// FROM scratch, as its entrypoint.
const WeedImage = "seaweedfs:local"

// Ports of weed inside its container.
const (
	weedS3Port    = "8333"
	weedFilerPort = "8888"
)

// StartS3Container runs weed mini like StartS3, in a container of
// WeedImage on docker's default network; containers reach it once Connect
// puts it on their network under alias. Plain HTTP only: Endpoint is
// http://ALIAS:8333, for those containers; this process reaches the S3 API
// and the filer through ports published on 127.0.0.1. The container is
// removed (by ID) when the test ends.
func StartS3Container(t testing.TB, alias string, opts S3Options) *S3 {
	t.Helper()
	if opts.TLS {
		t.Fatal("stacktest: StartS3Container serves plain HTTP only")
	}
	testenv.Tool(t, "docker")
	if err := exec.Command("docker", "image", "inspect", WeedImage).Run(); err != nil {
		testenv.Missing(t, "the image "+WeedImage+" (scripts/install-seaweedfs.sh builds it)")
	}
	if opts.Bucket == "" {
		opts.Bucket = "registry"
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 90 * time.Second
	}
	s := newS3(opts)
	s.alias = alias
	err := s.runContainer(t.TempDir(), opts)
	s.cleanup(t)
	if err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	return s
}

func (s *S3) runContainer(dir string, opts S3Options) error {
	conf := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(conf, s.identityJSON(), 0o600); err != nil {
		return fmt.Errorf("writing weed s3 config: %w", err)
	}
	out, err := exec.Command("docker", "run", "-d",
		"-p", "127.0.0.1::"+weedS3Port, "-p", "127.0.0.1::"+weedFilerPort,
		"-v", conf+":/etc/seaweedfs/s3.json:ro", WeedImage,
		"mini", "-dir=/data", "-ip=127.0.0.1", "-ip.bind=0.0.0.0", "-master.telemetry=false",
		"-s3.port="+weedS3Port, "-filer.port="+weedFilerPort, "-s3.config=/etc/seaweedfs/s3.json",
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false", "-admin.port.legacy=0", "-webdav=false",
		"-bucket="+s.Bucket).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker run %s: %w: %s", WeedImage, err, out)
	}
	s.container = strings.TrimSpace(string(out))
	s3Addr, err := publishedAddr(s.container, weedS3Port)
	if err != nil {
		return err
	}
	filerAddr, err := publishedAddr(s.container, weedFilerPort)
	if err != nil {
		return err
	}
	s.probe, s.FilerURL = "http://"+s3Addr, "http://"+filerAddr
	s.Endpoint = "http://" + s.alias + ":" + weedS3Port
	deadline := time.Now().Add(opts.ReadyTimeout)
	for {
		err := s.ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("weed in container %.12s not ready after %v: %w\n--- log (tail) ---\n%s", s.container, opts.ReadyTimeout, err, tail(s.Log(), 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Connect attaches the container to a docker network under its alias, so
// that containers there reach Endpoint.
func (s *S3) Connect(network string) error {
	if s.container == "" {
		return fmt.Errorf("weed does not run in a container")
	}
	if out, err := exec.Command("docker", "network", "connect", "--alias", s.alias, network, s.container).CombinedOutput(); err != nil {
		return fmt.Errorf("docker network connect %s: %w: %s", network, err, out)
	}
	return nil
}

// publishedAddr is where docker published a container port on 127.0.0.1.
func publishedAddr(id, port string) (string, error) {
	out, err := exec.Command("docker", "port", id, port+"/tcp").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("docker port %.12s %s: %w: %s", id, port, err, out)
	}
	addr, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return addr, nil
}

// containerLog is a container's output ("" if docker cannot say).
func containerLog(id string) string {
	out, _ := exec.Command("docker", "logs", id).CombinedOutput()
	return string(out)
}
