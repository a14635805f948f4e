package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden"
)

func TestParseVariant(t *testing.T) {
	for in, want := range map[string]string{
		"direct": "direct", "direct:rsa": "direct", "regsetup-secure": "regsetup-secure",
		"regsetup-secure:rsa": "regsetup-secure:rsa", "nginx-recipe:ecdsa": "nginx-recipe", "regsetup-compose": "regsetup-compose",
	} {
		v, err := ParseVariant(in)
		if err != nil || v.Name() != want {
			t.Errorf("ParseVariant(%q) = %q, %v; want %q", in, v.Name(), err, want)
		}
	}
	for _, in := range []string{"", "apache", "regsetup-secure:dsa", "conf"} {
		if _, err := ParseVariant(in); err == nil {
			t.Errorf("ParseVariant(%q) succeeded", in)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1G": 1 << 30, "8M": 8 << 20, "64KiB": 64 << 10, "1000": 1000, "3B": 3} {
		if n, err := ParseSize(in); err != nil || n != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
	for _, in := range []string{"", "G", "-1M", "1T", "0"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}

func TestWithPort(t *testing.T) {
	conf := "Listen 5043\n  Listen 0.0.0.0:5043 https\n<VirtualHost *:5043>\n# Listen 80 in a comment stays\n"
	got := string(withPort([]byte(conf), 7001))
	want := "Listen 7001\n  Listen 7001 https\n<VirtualHost *:7001>\n# Listen 80 in a comment stays\n"
	if got != want {
		t.Errorf("withPort:\n%s\nwant:\n%s", got, want)
	}
}

// TestGenLayer checks that a generated layer streams exactly its size, the
// same bytes every time (its digest holds), and differs between layers.
func TestGenLayer(t *testing.T) {
	block := randomBlock()
	size := int64(3*blockSize + 12345)
	l, err := newGenLayer(7, size, block)
	if err != nil {
		t.Fatal(err)
	}
	for _, bufSize := range []int{1, 4097, blockSize + 3} {
		h := sha256.New()
		n, err := io.CopyBuffer(onlyWriter{h}, onlyReader{l.reader()}, make([]byte, bufSize))
		if err != nil || n != size {
			t.Fatalf("read %d bytes, %v; want %d", n, err, size)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != l.digest.Hex {
			t.Errorf("buffer %d: digest %s, want %s", bufSize, got, l.digest.Hex)
		}
	}
	other, err := newGenLayer(8, size, block)
	if err != nil {
		t.Fatal(err)
	}
	if other.digest == l.digest {
		t.Error("layers 7 and 8 have the same content")
	}
}

type onlyWriter struct{ io.Writer }
type onlyReader struct{ io.Reader }

func TestSummarizeRatios(t *testing.T) {
	vs := []VariantInfo{{Name: "direct"}, {Name: "x"}}
	ms := []Metric{{ID: "t"}, {ID: "r", Higher: true}}
	samples := []Sample{
		{"direct", "t", 0, 2}, {"direct", "t", 1, 4}, {"direct", "t", 2, 3},
		{"x", "t", 0, 6}, {"direct", "r", 0, 100}, {"x", "r", 0, 50},
	}
	got := summarize(vs, ms, samples)
	want := map[string][4]float64{ // median, min, max, ratio
		"direct/t": {3, 2, 4, 1}, "x/t": {6, 6, 6, 2}, "direct/r": {100, 100, 100, 1}, "x/r": {50, 50, 50, 2},
	}
	if len(got) != len(want) {
		t.Fatalf("%d summaries, want %d", len(got), len(want))
	}
	for _, s := range got {
		w := want[s.Variant+"/"+s.Metric]
		if [4]float64{s.Median, s.Min, s.Max, s.Ratio} != w {
			t.Errorf("%s/%s = %v, want %v", s.Variant, s.Metric, []float64{s.Median, s.Min, s.Max, s.Ratio}, w)
		}
	}
	if samples[0].Value != 2 {
		t.Error("summarize reordered the samples")
	}
}

func TestWriters(t *testing.T) {
	r := &Result{Variants: []VariantInfo{{Name: "direct"}, {Name: "regsetup-secure", Handshake: &handshakeInfo{"TLS 1.3", "TLS_AES_256_GCM_SHA384", "ECDSA"}}},
		Metrics: metricList(Defaults())}
	r.Samples = []Sample{{"direct", MGetV2, 0, 0.5}, {"regsetup-secure", MGetV2, 0, 2}, {"regsetup-secure", MHandshake, 0, 1.2}}
	r.Summary = summarize(r.Variants, r.Metrics, r.Samples)
	var table, md, js, img bytes.Buffer
	for _, w := range []struct {
		f   func(io.Writer, *Result) error
		out *bytes.Buffer
	}{{WriteTable, &table}, {WriteMarkdown, &md}, {WriteJSON, &js}, {WritePNG, &img}} {
		if err := w.f(w.out, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"GET /v2/ keep-alive latency", "regsetup-secure", "4.00", "TLS 1.3"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if !strings.Contains(md.String(), "| metric | direct | regsetup-secure |") {
		t.Errorf("markdown header missing:\n%s", md.String())
	}
	if !bytes.HasPrefix(img.Bytes(), []byte("\x89PNG")) {
		t.Error("not a PNG")
	}
	if strings.Contains(js.String(), "assword") {
		t.Error("JSON mentions a password")
	}
}
