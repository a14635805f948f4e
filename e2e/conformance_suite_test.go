package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// conformancePkg is the OCI distribution-spec conformance suite, pinned in
// the nested module tools/conformance (which `go test ./...` ignores).
const conformancePkg = "github.com/opencontainers/distribution-spec/conformance"

// conformanceTimeout bounds one run of the suite.
const conformanceTimeout = 5 * time.Minute

// conformanceBin returns the suite's binary, building it from
// tools/conformance on the first run and caching it under
// $REGSETUP_CACHE_DIR/conformance (default /var/cache/regsetup), keyed by
// the nested module's go.mod and go.sum and the Go version, so later runs
// reuse it. The first build needs the Go module proxy.
func conformanceBin(t *testing.T) string {
	t.Helper()
	goBin := testenv.Tool(t, "go")
	mod := filepath.Join(golden.Root(), "tools", "conformance")
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(mod, f))
		if err != nil {
			t.Fatalf("reading the conformance module: %v", err)
		}
		h.Write(data)
	}
	out, err := exec.Command(goBin, "env", "GOVERSION").Output()
	if err != nil {
		t.Fatalf("go env GOVERSION: %v", err)
	}
	fmt.Fprintf(h, "%s %s/%s", strings.TrimSpace(string(out)), runtime.GOOS, runtime.GOARCH)
	dir := conformanceCacheDir(t)
	bin := filepath.Join(dir, "conformance-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	tmp := fmt.Sprintf("%s.tmp%d", bin, os.Getpid())
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", tmp, conformancePkg)
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		t.Logf("go build in %s: %v\n%s", mod, err, out)
		testenv.Missing(t, "the OCI conformance suite (its build failed; it needs the Go module proxy the first time)")
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatalf("caching the conformance suite: %v", err)
	}
	t.Logf("built the conformance suite in %v: %s", time.Since(start).Round(time.Millisecond), bin)
	return bin
}

// conformanceCacheDir is $REGSETUP_CACHE_DIR/conformance, or the user's
// cache folder when that is not writable.
func conformanceCacheDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("REGSETUP_CACHE_DIR")
	if root == "" {
		root = "/var/cache/regsetup"
	}
	dir := filepath.Join(root, "conformance")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		return dir
	}
	user, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("no cache folder for the conformance suite: %v", err)
	}
	dir = filepath.Join(user, "regsetup", "conformance")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("creating the conformance cache: %v", err)
	}
	return dir
}

// conformanceTarget is one registry endpoint for the suite.
type conformanceTarget struct {
	Registry   string // host:port
	TLS        string // "enabled" (https, trusting CAFile only) or "disabled" (http)
	CAFile     string // SSL_CERT_FILE for the suite
	User, Pass string
	Repo       string // the suite pushes to Repo/1 and Repo/2
}

// conformanceResult is what the suite reported. A case name can occur
// more than once in its report (e.g. blob-delete runs twice in "mount"),
// so each name counts its outcomes.
type conformanceResult struct {
	Cases    map[string]caseCount
	Duration time.Duration
	Log      string // the suite's summary output
}

// caseCount counts the outcomes of the cases sharing one name.
type caseCount struct{ Passed, Failed, NotRun int }

// Failed lists the names with a failed (or errored) occurrence, sorted.
func (r conformanceResult) Failed() []string {
	var f []string
	for name, c := range r.Cases {
		if c.Failed > 0 {
			f = append(f, name)
		}
	}
	sort.Strings(f)
	return f
}

// Total sums the counts over all names.
func (r conformanceResult) Total() caseCount {
	var t caseCount
	for _, c := range r.Cases {
		t.Passed += c.Passed
		t.Failed += c.Failed
		t.NotRun += c.NotRun
	}
	return t
}

// runConformance runs the suite against tg and parses its JUnit report. A
// non-zero exit (some case failed) is expected; no report is a failure.
func runConformance(t *testing.T, bin string, tg conformanceTarget) conformanceResult {
	t.Helper()
	dir := t.TempDir() // the working folder: no oci-conformance.yaml here
	results := filepath.Join(dir, "results")
	ctx, cancel := context.WithTimeout(context.Background(), conformanceTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = dir
	cmd.Env = append(conformanceEnv(),
		"OCI_REGISTRY="+tg.Registry,
		"OCI_TLS="+tg.TLS,
		"OCI_REPO1="+tg.Repo+"/1",
		"OCI_REPO2="+tg.Repo+"/2",
		"OCI_USERNAME="+tg.User,
		"OCI_PASSWORD="+tg.Pass,
		"OCI_VERSION=1.1",
		"OCI_LOG=warn",
		"OCI_RESULTS_DIR="+results,
		"NO_PROXY=*",
		"GODEBUG=netdns=go", // resolve through /etc/hosts as mustResolveToLoopback checked
	)
	if tg.CAFile != "" {
		cmd.Env = append(cmd.Env, "SSL_CERT_FILE="+tg.CAFile)
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	res := conformanceResult{Duration: time.Since(start), Log: string(out)}
	if ctx.Err() != nil {
		t.Fatalf("the conformance suite did not finish within %v:\n%s", conformanceTimeout, out)
	}
	res.Cases, err = parseJUnit(filepath.Join(results, "junit.xml"))
	if err != nil {
		t.Fatalf("conformance suite against %s: %v\n%s", tg.Registry, err, out)
	}
	if len(res.Cases) == 0 {
		t.Fatalf("the conformance suite reported no test cases:\n%s", out)
	}
	return res
}

// conformanceEnv is the environment without the suite's own settings,
// proxies or certificate overrides, which would change what it tests.
func conformanceEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "OCI_"), strings.HasPrefix(k, "SSL_CERT_"),
			strings.EqualFold(k, "HTTP_PROXY"), strings.EqualFold(k, "HTTPS_PROXY"),
			strings.EqualFold(k, "ALL_PROXY"), strings.EqualFold(k, "NO_PROXY"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

// junitReport is the part of the suite's junit.xml the tests read.
type junitReport struct {
	Suites []struct {
		Cases []struct {
			Name   string `xml:"name,attr"`
			Status string `xml:"status,attr"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// parseJUnit counts the outcomes of each test case name in a JUnit report
// (status "passed", "skipped", "failure" or "error").
func parseJUnit(path string) (map[string]caseCount, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the junit report: %w", err)
	}
	var rep junitReport
	if err := xml.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("parsing the junit report: %w", err)
	}
	cases := map[string]caseCount{}
	for _, s := range rep.Suites {
		for _, tc := range s.Cases {
			c := cases[tc.Name]
			switch tc.Status {
			case "passed":
				c.Passed++
			case "skipped":
				c.NotRun++
			case "failure", "error":
				c.Failed++
			default:
				return nil, fmt.Errorf("junit report: case %q has an unknown status %q", tc.Name, tc.Status)
			}
			cases[tc.Name] = c
		}
	}
	return cases, nil
}
