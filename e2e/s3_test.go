package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/stacktest"
	"github.com/regsetup/regsetup/internal/testenv"
	"github.com/regsetup/regsetup/internal/verify"
)

const (
	portS3Replicas   = 15390
	portS3WrongKey   = 15391
	portS3SecretPair = 15392

	// s3Layer is over the s3 driver's 32 MiB multipartcopythresholdsize,
	// so committing the upload moves it with UploadPartCopy.
	s3Layer = 40 << 20
	s3Chunk = 10 << 20 // bytes per PATCH: 4 PATCHes

	s3AccessEnv  = "REGSETUP_E2E_S3_ACCESS_KEY"
	s3SecretFile = "s3-secret-key"
)

// s3Spec is the secure stack's spec with two registry replicas on the S3
// server s3; the access key comes from the environment, the secret key
// from a file (so both ways are exercised).
func s3Spec(port int, s3 *stacktest.S3) string {
	return fmt.Sprintf(`profile: secure
domain: myregistrydomain.com
port: %d
tls: {cert: domain.crt, key: domain.key}
users:
  - {name: testuser, password: testpassword}
  - {name: testuserpush, password: testpasswordpush}
groups:
  pusher: [testuserpush]
access:
  pull: authenticated
  push: [pusher]
deploy:
  target: swarm
  replicas: {apache: 1, registry: 2}
storage:
  driver: s3
  s3:
    endpoint: %s
    bucket: %s
    region: %s
    root_directory: /regsetup-e2e
    allow_plaintext: %t
    access_key_env: %s
    secret_key_file: %s
`, port, s3.Endpoint, s3.Bucket, s3.Region, strings.HasPrefix(s3.Endpoint, "http:"), s3AccessEnv, s3SecretFile)
}

// initS3 renders the S3 spec for port, with secret as the secret key, and
// returns the spec's path and the rendered registry config.
func initS3(t *testing.T, port int, s3 *stacktest.S3, secret string) (string, []byte) {
	t.Helper()
	t.Setenv(s3AccessEnv, s3.AccessKey)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, s3SecretFile), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec := initSpec(t, dir, []byte(s3Spec(port, s3)))
	return spec, renderedRegistryConfig(t, spec)
}

// s3Front runs the rendered Apache in front of a round-robin balancer over
// the replicas.
func s3Front(t *testing.T, spec string, rs []*stacktest.Replica) (*stacktest.Stack, *balancer, blobClient) {
	t.Helper()
	l := stacktest.BackendListener(t)
	var addrs []string
	for _, r := range rs {
		addrs = append(addrs, r.Addr)
	}
	bal := startBalancer(t, l, addrs...)
	front := stacktest.StartFront(t, filepath.Dir(spec), l.Addr(), stacktest.Options{})
	tr, err := front.Transport()
	if err != nil {
		t.Fatal(err)
	}
	// No redirect is followed: a blob must come through Apache, never
	// from a pre-signed URL of the bucket.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	b := blobClient{c: &http.Client{Transport: tr, CheckRedirect: noRedirect}, base: "https://myregistrydomain.com:" + itoa(front.Port), user: pushUser, pass: pushPass}
	return front, bal, b
}

// chunkedPush uploads data in s3Chunk PATCHes and a PUT ?digest= and
// returns the upload's UUID and the digest; every request must succeed.
func chunkedPush(t *testing.T, b blobClient, repo string, data []byte) (uuid, dig string) {
	t.Helper()
	dig = sha256Digest(data)
	_, loc := b.startUpload(t, repo)
	uuid = uploadUUID(loc.Path)
	octets := http.Header{"Content-Type": {"application/octet-stream"}}
	for off := 0; off < len(data); off += s3Chunk {
		end := min(off+s3Chunk, len(data))
		hdr := octets.Clone()
		hdr.Set("Content-Range", fmt.Sprintf("%d-%d", off, end-1))
		resp := b.do(t, "PATCH", loc.String(), bytes.NewReader(data[off:end]), int64(end-off), hdr, http.StatusAccepted)
		resp.Body.Close()
		loc = location(t, resp)
	}
	put := b.do(t, "PUT", withDigest(loc, dig), nil, 0, nil, http.StatusCreated)
	put.Body.Close()
	if d := put.Header.Get("Docker-Content-Digest"); d != dig {
		t.Fatalf("PUT: the registry reports %q, the client computed %q", d, dig)
	}
	return uuid, dig
}

// TestS3TwoReplicas: two registry processes, each started from the rendered
// registry/config.yml (only http.addr changed), store on a real S3 server
// (SeaweedFS over TLS with a private CA, SigV4 with the spec's keys) behind
// the rendered Apache and a round-robin balancer. A 40 MiB layer pushed in
// four PATCHes has its chunks and its PUT served by different replicas (the
// registries' own access logs show it), lands in the bucket, and pulls by
// digest through each replica alone; verify (login, push, pull, denied
// push) passes through both.
func TestS3TwoReplicas(t *testing.T) {
	testenv.Long(t, "starts SeaweedFS, two registries and Apache")
	s3 := stacktest.StartS3(t, stacktest.S3Options{TLS: true})
	spec, config := initS3(t, portS3Replicas, s3, s3.SecretKey)
	rs := startReplicas(t, config, s3, "registry-a", "registry-b")
	front, bal, b := s3Front(t, spec, rs)

	data := make([]byte, s3Layer)
	rand.NewChaCha8([32]byte{'s', '3'}).Read(data)
	const repo = "s3/chunked"
	uuid, dig := chunkedPush(t, b, repo, data)

	// POST a, PATCH b a b a, PUT b: show it from the registries' logs.
	served := [][]string{servedUpload(rs[0].Log(), repo, uuid), servedUpload(rs[1].Log(), repo, uuid)}
	want := [][]string{{"PATCH 202", "PATCH 202"}, {"PATCH 202", "PATCH 202", "PUT 201"}}
	t.Logf("upload %s: %s served %v, %s served %v", uuid, rs[0].Name, served[0], rs[1].Name, served[1])
	for i, r := range rs {
		if !slices.Equal(served[i], want[i]) {
			t.Errorf("%s served %v of upload %s, want %v", r.Name, served[i], uuid, want[i])
		}
	}

	hexDig := strings.TrimPrefix(dig, "sha256:")
	key := "regsetup-e2e/docker/registry/v2/blobs/sha256/" + hexDig[:2] + "/" + hexDig + "/data"
	if n, err := s3.ObjectSize(key); err != nil || n != s3Layer {
		t.Errorf("the layer in the bucket: %s: size %d, %v; want %d", key, n, err, s3Layer)
	}

	for i, r := range rs {
		bal.pin(i)
		resp := b.do(t, "GET", b.base+"/v2/"+repo+"/blobs/"+dig, nil, 0, nil, http.StatusOK)
		h := sha256.New()
		n, err := io.Copy(h, resp.Body)
		resp.Body.Close()
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); err != nil || got != dig || n != s3Layer {
			t.Errorf("GET by digest through %s alone: %d bytes, %s, %v; want %d bytes, %s", r.Name, n, got, err, s3Layer, dig)
		}
	}

	bal.pin(-1)
	before := bal.counts()
	rep, err := runVerify(t, spec, front, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify through two replicas on S3: %v\n%s", err, reportText(rep))
	}
	after := bal.counts()
	t.Logf("verify's requests per replica: %v", []int{after[0] - before[0], after[1] - before[1]})
	for i, r := range rs {
		if after[i] == before[i] {
			t.Errorf("verify sent no request to %s (balancer counts %v -> %v)", r.Name, before, after)
		}
	}
}

// TestS3Negative: on a real S3 server over plain HTTP (allow_plaintext), a
// wrong secret key fails the push with the S3 server's reason in the
// registry's log, and replicas with different http.secret values fail an
// upload that crosses them, which the same push with the rendered shared
// secret (TestS3TwoReplicas) does not.
func TestS3Negative(t *testing.T) {
	testenv.Long(t, "starts SeaweedFS, registries and Apache")
	s3 := stacktest.StartS3(t, stacktest.S3Options{})

	t.Run("wrong secret key", func(t *testing.T) {
		spec, config := initS3(t, portS3WrongKey, s3, "wrong-"+s3.SecretKey)
		rs := startReplicas(t, config, s3, "registry-wrong-key")
		front, _, b := s3Front(t, spec, rs)
		// The client learns that the storage driver failed...
		code, body := send(t, b, "POST", b.base+"/v2/s3/wrongkey/blobs/uploads/", nil, nil)
		if code != http.StatusInternalServerError || !strings.Contains(body, `"DriverName":"s3aws"`) {
			t.Errorf("POST an upload with a wrong secret key: %d %s, want 500 naming the s3aws driver", code, body)
		}
		// ... the registry's log says why ...
		if log := rs[0].Log(); !strings.Contains(log, "SignatureDoesNotMatch") {
			t.Errorf("the registry's log does not say SignatureDoesNotMatch:\n%s", log)
		}
		// ... verify fails at the push ...
		rep, err := runVerify(t, spec, front, nil)
		if err == nil || step(t, rep, "push").Status == verify.StatusPass {
			t.Errorf("verify with a wrong secret key: %v\n%s", err, reportText(rep))
		}
		// ... and the rendered storage health check takes the replica out:
		// /v2/ answers 503 once it failed 3 times, 10 s apart.
		deadline := time.Now().Add(60 * time.Second)
		for code != http.StatusServiceUnavailable && time.Now().Before(deadline) {
			time.Sleep(time.Second)
			code, body = send(t, b, "GET", b.base+"/v2/", nil, nil)
		}
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "UNAVAILABLE") {
			t.Errorf("GET /v2/ with a failing storage driver: %d %s, want 503 UNAVAILABLE within a minute", code, body)
		}
	})

	t.Run("different http.secret", func(t *testing.T) {
		spec, config := initS3(t, portS3SecretPair, s3, s3.SecretKey)
		other := setYAML(t, config, strings.Repeat("0", 64), "http", "secret")
		rs := append(startReplicas(t, config, s3, "registry-a"), startReplicas(t, other, s3, "registry-b")...)
		_, _, b := s3Front(t, spec, rs)
		_, loc := b.startUpload(t, "s3/secrets") // on registry-a
		hdr := http.Header{"Content-Type": {"application/octet-stream"}, "Content-Range": {"0-4"}}
		code, body := send(t, b, "PATCH", loc.String(), []byte("chunk"), hdr) // on registry-b
		if code < 400 || !strings.Contains(body, "BLOB_UPLOAD_INVALID") {
			t.Errorf("PATCH on a replica with another http.secret: %d %s, want a BLOB_UPLOAD_INVALID error", code, body)
		}
		if log := rs[1].Log(); !strings.Contains(log, "invalid secret") {
			t.Errorf("registry-b's log does not say invalid secret:\n%s", log)
		}
	})
}
