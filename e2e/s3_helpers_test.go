package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/stacktest"
)

// setYAML returns doc with the scalar at path (mapping keys from the root)
// set to value; it fails the test when the path is not there, so a test
// never edits a key the render does not have.
func setYAML(t *testing.T, doc []byte, value string, path ...string) []byte {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("parsing the rendered registry config: %v", err)
	}
	n := root.Content[0]
	for _, key := range path {
		var next *yaml.Node
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			t.Fatalf("the rendered registry config has no %s", strings.Join(path, "."))
		}
		n = next
	}
	if n.Kind != yaml.ScalarNode {
		t.Fatalf("%s is not a scalar", strings.Join(path, "."))
	}
	n.Value, n.Tag, n.Style = value, "!!str", yaml.DoubleQuotedStyle
	out, err := yaml.Marshal(&root)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// renderedRegistryConfig reads OUT/registry/config.yml and checks it is
// private (0600).
func renderedRegistryConfig(t *testing.T, spec string) []byte {
	t.Helper()
	path := filepath.Join(filepath.Dir(spec), generator.RegistryConfig)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("init rendered no %s: %v", generator.RegistryConfig, err)
	}
	if m := st.Mode().Perm(); m&0o077 != 0 {
		t.Errorf("%s has mode %v, want no access for group or others", generator.RegistryConfig, m)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startReplicas runs one registry per name from the rendered config, only
// http.addr changed (a free 127.0.0.1 port each).
func startReplicas(t *testing.T, config []byte, s3 *stacktest.S3, names ...string) []*stacktest.Replica {
	t.Helper()
	var rs []*stacktest.Replica
	for _, name := range names {
		addr := fmt.Sprintf("127.0.0.1:%d", stacktest.Port(t))
		conf := setYAML(t, config, addr, "http", "addr")
		rs = append(rs, stacktest.StartReplica(t, name, conf, addr, stacktest.ReplicaOptions{CAFile: s3.CAFile}))
	}
	return rs
}

// servedUpload lists the requests of one upload (by its UUID) that a
// registry's access log shows it served, as "METHOD STATUS" in order.
func servedUpload(log, repo, uuid string) []string {
	re := regexp.MustCompile(`"(POST|PATCH|PUT|GET|HEAD|DELETE) /v2/` + regexp.QuoteMeta(repo) + `/blobs/uploads/` +
		regexp.QuoteMeta(uuid) + `[^"]*" (\d{3}) `)
	var got []string
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		got = append(got, m[1]+" "+m[2])
	}
	return got
}

// uploadUUID is the last path element of an upload's Location.
func uploadUUID(loc string) string {
	loc, _, _ = strings.Cut(loc, "?")
	return loc[strings.LastIndexByte(loc, '/')+1:]
}

// send sends one request through b and returns its status and (the start
// of) its body, whatever the status.
func send(t *testing.T, b blobClient, method, u string, data []byte, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytesReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(data))
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.SetBasicAuth(b.user, b.pass)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(body)
}
