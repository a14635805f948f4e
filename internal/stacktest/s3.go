package stacktest

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// weedBin is where scripts/install-seaweedfs.sh links SeaweedFS's weed.
const weedBin = "/usr/local/bin/weed"

// S3Options tune StartS3. The zero value is fine.
type S3Options struct {
	// TLS serves the S3 API over HTTPS with a certificate for 127.0.0.1
	// signed by a private CA (S3.CAFile); default plain HTTP.
	TLS bool
	// Bucket is created at start (default "registry").
	Bucket string
	// ReadyTimeout bounds the wait for the S3 API and the bucket (default 90s:
	// weed starts a master, a volume server, a filer and the S3 gateway).
	ReadyTimeout time.Duration
}

// S3 is a running SeaweedFS `weed mini`: a real S3 API that checks SigV4
// signatures against one identity whose keys are random per S3.
type S3 struct {
	Endpoint  string // http(s)://127.0.0.1:PORT
	Bucket    string
	Region    string // what clients sign with; weed accepts any
	AccessKey string
	SecretKey string
	CAFile    string // PEM of the CA behind Endpoint's certificate; "" without TLS
	// FilerURL is weed's filer HTTP API (no auth, loopback only): the
	// bucket's objects are the files under /buckets/<Bucket>/.
	FilerURL string

	proc      *proc  // weed, run natively
	container string // or its container's ID (s3_container.go)
	alias     string // the container's name on the networks it joins
	probe     string // Endpoint as this process reaches it
	client    *http.Client
}

// S3Require returns weed's path (weedBin, else from PATH); it fails
// (CI=true) or skips the test when weed is not installed.
func S3Require(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(weedBin); err == nil {
		return weedBin
	}
	p, err := exec.LookPath("weed")
	if err != nil {
		testenv.Missing(t, "weed (SeaweedFS; scripts/install-seaweedfs.sh builds it)")
	}
	return p
}

// StartS3 starts weed mini on free loopback ports with a fresh identity and
// bucket, waits until the bucket exists, and stops weed when the test ends.
func StartS3(t testing.TB, opts S3Options) *S3 {
	t.Helper()
	bin := S3Require(t)
	s, err := startS3(bin, t.TempDir(), opts)
	s.cleanup(t)
	if err != nil {
		t.Fatalf("stacktest: %v", err)
	}
	return s
}

// cleanup stops weed when the test ends, after logging its output's tail
// if the test failed.
func (s *S3) cleanup(t testing.TB) {
	if s == nil || (s.proc == nil && s.container == "") {
		return
	}
	t.Cleanup(s.Stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stacktest: weed (%s) log (tail):\n%s", s.Endpoint, tail(s.Log(), 40))
		}
	})
}

func startS3(bin, dir string, opts S3Options) (*S3, error) {
	if opts.Bucket == "" {
		opts.Bucket = "registry"
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 90 * time.Second
	}
	var s *S3
	var err error
	for attempt := range 3 {
		s, err = tryS3(bin, filepath.Join(dir, strconv.Itoa(attempt)), opts)
		// A free port taken between the check and weed's bind: new ports.
		if !portTaken(err) {
			break
		}
		s.Stop()
	}
	return s, err
}

// portTaken reports whether err is weed exiting for want of a port.
func portTaken(err error) bool {
	var ee *earlyExitError
	return errors.As(err, &ee) && (strings.Contains(ee.log, "is not available on") || strings.Contains(ee.log, "address already in use"))
}

func tryS3(bin, dir string, opts S3Options) (*S3, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating weed dir: %w", err)
	}
	s := newS3(opts)
	ports, err := freePorts(10)
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(conf, s.identityJSON(), 0o600); err != nil {
		return nil, fmt.Errorf("writing weed s3 config: %w", err)
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, fmt.Errorf("creating weed data dir: %w", err)
	}
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	args := []string{"mini", "-dir", data, "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1",
		"-master.port", p(0), "-master.port.grpc", p(1), "-master.telemetry=false",
		"-volume.port", p(2), "-volume.port.grpc", p(3),
		"-filer.port", p(4), "-filer.port.grpc", p(5),
		"-s3.port", p(6), "-s3.port.grpc", p(7),
		"-admin.port", p(8), "-admin.port.grpc", p(9), "-admin.port.legacy", "0", "-admin.ui=false",
		"-s3.config", conf, "-s3.port.iceberg", "0", "-s3.port.lance", "0", "-webdav=false",
		"-bucket", s.Bucket}
	scheme := "http"
	if opts.TLS {
		scheme = "https"
		if args, err = s.withTLS(dir, args); err != nil {
			return nil, err
		}
	}
	s.Endpoint = scheme + "://127.0.0.1:" + p(6)
	s.probe = s.Endpoint
	s.FilerURL = "http://127.0.0.1:" + p(4)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if s.proc, err = startProc("weed", filepath.Join(dir, "weed.log"), cmd); err != nil {
		return nil, err
	}
	if err := s.proc.waitReady(opts.ReadyTimeout, s.ready); err != nil {
		return s, fmt.Errorf("weed mini: %w", err)
	}
	return s, nil
}

// newS3 is an S3 with a fresh identity, the HTTP client for probes, and
// opts' bucket.
func newS3(opts S3Options) *S3 {
	return &S3{Bucket: opts.Bucket, Region: "us-east-1", AccessKey: "AK" + randomHex(9), SecretKey: randomHex(20),
		client: &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 5 * time.Second}}
}

// identityJSON is weed's S3 config: one identity with every action.
func (s *S3) identityJSON() []byte {
	type cred struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	type identity struct {
		Name        string   `json:"name"`
		Credentials []cred   `json:"credentials"`
		Actions     []string `json:"actions"`
	}
	b, _ := json.Marshal(map[string][]identity{"identities": {{
		Name:        "registry",
		Credentials: []cred{{s.AccessKey, s.SecretKey}},
		Actions:     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}})
	return b
}

// withTLS writes a private CA and a certificate for 127.0.0.1, points weed's
// S3 port at them and makes s.client trust the CA.
func (s *S3) withTLS(dir string, args []string) ([]string, error) {
	caPEM, certPEM, keyPEM, err := ldapCerts()
	if err != nil {
		return nil, fmt.Errorf("making the S3 endpoint's certificate: %w", err)
	}
	s.CAFile = filepath.Join(dir, "s3-ca.crt")
	certFile, keyFile := filepath.Join(dir, "s3.crt"), filepath.Join(dir, "s3.key")
	for f, b := range map[string][]byte{s.CAFile: caPEM, certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			return nil, fmt.Errorf("writing %s: %w", f, err)
		}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	s.client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool}
	return append(args, "-s3.cert.file", certFile, "-s3.key.file", keyFile), nil
}

// ready: the S3 API answers (an anonymous request gets 403) and the bucket
// exists in the filer.
func (s *S3) ready() error {
	resp, err := s.client.Get(s.probe + "/" + s.Bucket)
	if err != nil {
		return fmt.Errorf("s3 api: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		return fmt.Errorf("s3 api: anonymous GET of the bucket: %s, want 403", resp.Status)
	}
	if _, err := s.ObjectSize(""); err != nil {
		return fmt.Errorf("bucket %s: %w", s.Bucket, err)
	}
	return nil
}

// ObjectSize returns the size of the bucket's object key, read from weed's
// filer; an error when there is none.
func (s *S3) ObjectSize(key string) (int64, error) {
	u := s.FilerURL + "/buckets/" + s.Bucket + "/" + strings.TrimPrefix(key, "/")
	resp, err := s.client.Head(u)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HEAD %s: %s", u, resp.Status)
	}
	return resp.ContentLength, nil
}

// Log returns weed's output so far.
func (s *S3) Log() string {
	if s.container != "" {
		return containerLog(s.container)
	}
	return s.proc.log()
}

// Stop stops weed (its process group, by PID; or its container, by ID).
// Safe to call more than once.
func (s *S3) Stop() {
	if s.container != "" {
		_ = exec.Command("docker", "rm", "-f", s.container).Run()
		return
	}
	s.proc.stop(10 * time.Second)
}

// freePorts returns n distinct ports free on 127.0.0.1 now.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding free ports: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return strings.ToUpper(hex.EncodeToString(b))
}
