package stacktest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/testenv"
)

// This file runs a real etcd and kube-apiserver on loopback, so the
// Kubernetes tests check the rendered manifests against the real API (a
// server-side dry run validates fields, selectors and names) and apply them
// for real. There is no kubelet: objects are stored, pods never run.

// kubeHint says how to get the binaries.
const kubeHint = "scripts/install-kube.sh (called by scripts/ci-setup.sh) builds them into /var/cache/regsetup/kube/"

// KubeBinDir is the folder with kube-apiserver, etcd and kubectl:
// $REGSETUP_KUBE_BIN, else what scripts/install-kube.sh made current.
func KubeBinDir() string {
	if d := os.Getenv("REGSETUP_KUBE_BIN"); d != "" {
		return d
	}
	return "/var/cache/regsetup/kube/current"
}

// KubeAPI is a running etcd and kube-apiserver.
type KubeAPI struct {
	URL        string // https://127.0.0.1:PORT
	Kubeconfig string // a kubeconfig whose current context ("regsetup-test") is this server, as admin
	Kubectl    string // the kubectl built with the server (same version: no skew)
	CacheDir   string // kubectl's discovery cache, private to this server
	etcd, api  *proc
}

// Env is the environment kubectl and regsetup need to use this server.
func (k *KubeAPI) Env() []string {
	return []string{"KUBECONFIG=" + k.Kubeconfig, "KUBECACHEDIR=" + k.CacheDir}
}

// Run runs kubectl against the server and returns its combined output.
func (k *KubeAPI) Run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, k.Kubectl, args...)
	cmd.Env = append(os.Environ(), k.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %v: %w", args, err)
	}
	return string(out), nil
}

// StartKube starts etcd and kube-apiserver on free loopback ports, waits
// until the server is ready (/readyz) and stops both (by PID) when the test
// ends. Missing binaries skip the test, or fail it under CI=true.
func StartKube(t testing.TB) *KubeAPI {
	t.Helper()
	bin := KubeBinDir()
	for _, b := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if st, err := os.Stat(filepath.Join(bin, b)); err != nil || st.IsDir() {
			testenv.Missing(t, filepath.Join(bin, b)+" ("+kubeHint+")")
		}
	}
	dir := t.TempDir()
	var k *KubeAPI
	var err error
	for range 3 { // another process may take a free port first
		k, err = startKube(bin, dir)
		if err == nil || !addrInUse(err) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Stop)
	return k
}

// Stop ends the apiserver, then etcd. It is safe to call more than once.
func (k *KubeAPI) Stop() {
	if k.api != nil {
		k.api.stop(10 * time.Second)
	}
	if k.etcd != nil {
		k.etcd.stop(10 * time.Second)
	}
}

func startKube(bin, dir string) (*KubeAPI, error) {
	dir, err := os.MkdirTemp(dir, "kube-")
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver: %w", err)
	}
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = FreePort(); err != nil {
			return nil, err
		}
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	k := &KubeAPI{URL: "https://127.0.0.1:" + strconv.Itoa(ports[2]), Kubectl: filepath.Join(bin, "kubectl"), CacheDir: filepath.Join(dir, "kubectl-cache")}
	k.etcd, err = startProc("etcd", filepath.Join(dir, "etcd.log"), exec.Command(filepath.Join(bin, "etcd"),
		"--name", "default", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL, "--listen-metrics-urls", "",
		"--quota-backend-bytes", strconv.Itoa(256<<20)))
	if err != nil {
		return nil, err
	}
	if err := k.etcd.waitReady(30*time.Second, func() error { return getOK(&http.Client{Timeout: 2 * time.Second}, etcdURL+"/health", "") }); err != nil {
		k.Stop()
		return nil, err
	}
	token, err := kubeCredentials(dir)
	if err != nil {
		k.Stop()
		return nil, err
	}
	certDir := filepath.Join(dir, "pki")
	k.api, err = startProc("kube-apiserver", filepath.Join(dir, "apiserver.log"), exec.Command(filepath.Join(bin, "kube-apiserver"),
		"--etcd-servers", etcdURL, "--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(ports[2]),
		"--advertise-address", "127.0.0.1", "--endpoint-reconciler-type", "none", // a loopback address needs no reconciler (and refuses one)
		"--cert-dir", certDir, "--token-auth-file", filepath.Join(dir, "tokens.csv"), "--authorization-mode", "AlwaysAllow",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", filepath.Join(dir, "sa.pub"), "--service-account-signing-key-file", filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range", "10.96.0.0/24", "--profiling=false"))
	if err != nil {
		k.Stop()
		return nil, err
	}
	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if err := k.api.waitReady(90*time.Second, func() error { return getOK(insecure, k.URL+"/readyz", token) }); err != nil {
		k.Stop()
		return nil, err
	}
	// The server's self-signed certificate (it exists once it serves) is
	// the kubeconfig's CA: kubectl checks it like a real cluster's.
	k.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(k.Kubeconfig, fmt.Appendf(nil, kubeconfigFmt, k.URL, filepath.Join(certDir, "apiserver.crt"), token), 0o600); err != nil {
		k.Stop()
		return nil, fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return k, nil
}

const kubeconfigFmt = `apiVersion: v1
kind: Config
clusters:
  - name: regsetup-test
    cluster:
      server: %s
      certificate-authority: %s
users:
  - name: admin
    user:
      token: %s
contexts:
  - name: regsetup-test
    context:
      cluster: regsetup-test
      user: admin
current-context: regsetup-test
`

// kubeCredentials writes the service-account key pair (sa.key, sa.pub) and
// a token file (tokens.csv) with one admin token, which it returns.
func kubeCredentials(dir string) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", fmt.Errorf("making the service-account key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", fmt.Errorf("making the service-account key: %w", err)
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	token := hex.EncodeToString(tok)
	for name, data := range map[string][]byte{
		"sa.key":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		"sa.pub":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"tokens.csv": []byte(token + ",admin,1,system:masters\n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return "", fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return token, nil
}

// getOK GETs url (with a bearer token when set) and wants 200.
func getOK(c *http.Client, url, token string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(url + ": " + resp.Status)
	}
	return nil
}
