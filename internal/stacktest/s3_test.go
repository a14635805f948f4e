package stacktest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// s3Config is a registry config on s, signing with secret.
func s3Config(s *S3, addr, secret string) []byte {
	return fmt.Appendf(nil, `version: 0.1
log: {level: info, formatter: text}
http: {addr: %q, secret: stacktest-not-a-secret}
storage:
  s3: {accesskey: %q, secretkey: %q, region: %s, regionendpoint: %q, bucket: %s,
       secure: %t, v4auth: true, rootdirectory: /stacktest}
  redirect: {disable: true}
`, addr, s.AccessKey, secret, s.Region, s.Endpoint, s.Bucket, strings.HasPrefix(s.Endpoint, "https:"))
}

// pushDirect uploads data straight to a registry (POST, PUT ?digest=) and
// returns the PUT's status and body.
func pushDirect(t *testing.T, addr string, data []byte) (string, int, string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}
	resp, err := c.Post("http://"+addr+"/v2/stacktest/blobs/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return "", resp.StatusCode, string(body)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	dig := "sha256:" + hex.EncodeToString(sum[:])
	q := loc.Query()
	q.Set("digest", dig)
	loc.RawQuery = q.Encode()
	req, _ := http.NewRequest("PUT", loc.String(), bytes.NewReader(data))
	if resp, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	return dig, resp.StatusCode, string(body)
}

// TestS3 proves the harness: weed is a real S3 server that checks the
// credentials. A registry with its keys stores a blob in the bucket (read
// back from weed's filer); one with a wrong secret key cannot write, and
// says why. Plain HTTP and TLS with a private CA (trusted through
// SSL_CERT_FILE only) both work.
func TestS3(t *testing.T) {
	testenv.Long(t, "starts SeaweedFS")
	for _, tlsOn := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tlsOn], func(t *testing.T) {
			s := StartS3(t, S3Options{TLS: tlsOn})
			if got := strings.HasPrefix(s.Endpoint, "https://"); got != tlsOn {
				t.Fatalf("endpoint %s, TLS %t", s.Endpoint, tlsOn)
			}
			addr := fmt.Sprintf("127.0.0.1:%d", Port(t))
			r := StartReplica(t, "registry", s3Config(s, addr, s.SecretKey), addr, ReplicaOptions{CAFile: s.CAFile})
			data := []byte("stacktest blob on s3 " + s.AccessKey)
			dig, code, body := pushDirect(t, r.Addr, data)
			if code != http.StatusCreated {
				t.Fatalf("PUT blob: %d %s", code, body)
			}
			hexDig := strings.TrimPrefix(dig, "sha256:")
			key := "stacktest/docker/registry/v2/blobs/sha256/" + hexDig[:2] + "/" + hexDig + "/data"
			if n, err := s.ObjectSize(key); err != nil || n != int64(len(data)) {
				t.Errorf("object %s in weed: size %d, %v; want %d", key, n, err, len(data))
			}

			wrongAddr := fmt.Sprintf("127.0.0.1:%d", Port(t))
			wrong := StartReplica(t, "registry-wrong-key", s3Config(s, wrongAddr, "not-"+s.SecretKey), wrongAddr,
				ReplicaOptions{CAFile: s.CAFile})
			if _, code, body := pushDirect(t, wrong.Addr, data); code != http.StatusInternalServerError {
				t.Errorf("upload with a wrong secret key: %d %s, want 500", code, body)
			}
			if log := wrong.Log(); !strings.Contains(log, "SignatureDoesNotMatch") {
				t.Errorf("the registry's log does not name SignatureDoesNotMatch:\n%s", wrong.proc.tail(20))
			}
		})
	}
}

// TestS3RegistryEnv: the registry never gets AWS_CA_BUNDLE (2.8's s3 driver
// panics with it) nor this machine's SSL_CERT_*, and gets the CA it is told.
func TestS3RegistryEnv(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
	t.Setenv("SSL_CERT_DIR", "/etc/ssl/certs")
	env := "\n" + strings.Join(s3RegistryEnv("/tmp/ca.pem"), "\n") + "\n"
	for _, bad := range []string{"\nAWS_CA_BUNDLE=", "\nSSL_CERT_DIR="} {
		if strings.Contains(env, bad) {
			t.Errorf("registry env has %s", bad)
		}
	}
	if !strings.Contains(env, "\nSSL_CERT_FILE=/tmp/ca.pem\n") {
		t.Errorf("registry env lacks SSL_CERT_FILE=/tmp/ca.pem")
	}
	if strings.Contains("\n"+strings.Join(s3RegistryEnv(""), "\n"), "\nSSL_CERT_FILE=") {
		t.Errorf("registry env without a CA has SSL_CERT_FILE")
	}
}
