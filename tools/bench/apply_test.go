package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/golden"
)

// TestWithModel: the old model's block replaces the rendered one, and a
// config without a block is refused rather than run unchanged.
func TestWithModel(t *testing.T) {
	conf, err := readGolden("goldenfiles/quickstart/auth/httpd.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !mpmBlockRE.Match(conf) {
		t.Fatal("the rendered secure httpd.conf has no event MPM block")
	}
	got, err := withModel(conf, ModelOneProcess)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte("ServerLimit         1\n")) || bytes.Count(got, []byte("<IfModule mpm_event_module>")) != 1 {
		t.Errorf("one-process block not in place:\n%s", mpmBlockRE.Find(got))
	}
	if same, _ := withModel(conf, ModelRendered); !bytes.Equal(same, conf) {
		t.Error("the rendered model changed the config")
	}
	if _, err := withModel([]byte("Listen 1\n"), ModelOneProcess); err == nil {
		t.Error("a config without an MPM block was accepted")
	}
}

func readGolden(rel string) ([]byte, error) { return os.ReadFile(filepath.Join(golden.Root(), rel)) }

func TestParseModel(t *testing.T) {
	for in, want := range map[string]string{"one-process": "one-process", "rendered": "rendered", "stock-event": "stock-event", "event:8x32": "event:8x32"} {
		m, err := ParseModel(in)
		if err != nil || m.Name != want {
			t.Errorf("ParseModel(%q) = %q, %v; want %q", in, m.Name, err, want)
		}
	}
	for _, in := range []string{"", "event", "event:0x32", "event:8x0", "event:99x32", "prefork"} {
		if _, err := ParseModel(in); err == nil {
			t.Errorf("ParseModel(%q) succeeded", in)
		}
	}
}

// TestWriteApplyTable: one row per change kind, the models side by side,
// failed+stalled of all requests, and the upload's fate under the table.
func TestWriteApplyTable(t *testing.T) {
	r := &ApplyResult{Options: ApplyDefaults(), Models: []string{"one-process", "rendered"}, Blocks: []string{"a", "b"}, Samples: []ApplySample{
		{Model: "one-process", Kind: ChangeConfig, Latency: 2 * time.Second, Reload: 20 * time.Millisecond, OK: 90, Stalled: 6},
		{Model: "one-process", Kind: ChangeConfig, Latency: 2100 * time.Millisecond, OK: 100},
		{Model: "rendered", Kind: ChangeConfig, Latency: 50 * time.Millisecond, OK: 100, Failed: 1, FirstErr: "reset"},
		{Model: "rendered", Kind: ChangeTransfer, Latency: 60 * time.Millisecond, OK: 10, Transfer: "1 GiB ok in 10s"},
	}}
	var b bytes.Buffer
	if err := WriteApplyTable(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"httpd.conf (graceful reload)  2100 ms (max 2100 ms)  0+6/196",
		"50 ms", "1+0/101", "rendered, httpd.conf, upload in flight: upload 1 GiB ok in 10s",
		"rendered, httpd.conf (graceful reload): first failure: reset",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "password file") {
		t.Errorf("a kind without samples got a row:\n%s", out)
	}
}
