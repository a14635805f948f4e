package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/regsetup/regsetup/generator"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/model"
	"github.com/regsetup/regsetup/spec"
)

// FuzzSpecRender feeds arbitrary specs to the decoder and the renderer. For
// every spec that is accepted: httpd.conf is the template with each value
// only where its placeholder stands (no extra directive, no value
// elsewhere), and the compose file loads back with compose-go.
func FuzzSpecRender(f *testing.F) {
	// Specs resolve their files (tls.cert, password_file) next to them: the
	// fuzzer's specs live in testdata/, beside the valid examples.
	file := filepath.Join(golden.Root(), "testdata", "fuzz.yaml")
	opts := spec.Options{LookupEnv: func(string) (string, bool) { return "", false }}
	seeds, err := filepath.Glob(filepath.Join(golden.Root(), "testdata", "*.yaml"))
	if err != nil || len(seeds) < 4 {
		f.Fatalf("want the valid example specs testdata/*.yaml as seeds, found %d (%v)", len(seeds), err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		// A rejected seed would end before any assertion: each must pass.
		if _, err := spec.Parse(file, data, opts); err != nil {
			f.Fatalf("seed %s is not an accepted spec: %v", filepath.Base(s), err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := spec.Parse(file, data, opts)
		if err != nil {
			return
		}
		m.BcryptCost = 4 // the hash is not under test; keep each run fast
		checkConf(t, m)
		checkCompose(t, m)
	})
}

// placeholders returns m with every value from the spec replaced by a
// unique marker, and the pairs (marker, value) to substitute back.
func placeholders(m *model.Model) (*model.Model, []string) {
	p := *m
	p.Domain, p.ServerAdmin, p.Port = "domain.placeholder.invalid", "admin@placeholder.invalid", 65432
	pairs := []string{"domain.placeholder.invalid", m.Domain, "admin@placeholder.invalid", m.ServerAdmin, "65432", strconv.Itoa(m.Port)}
	rename := func(groups []string) []string {
		out := make([]string, len(groups))
		for i, g := range groups {
			out[i] = "group-placeholder-" + strconv.Itoa(i) + "-" + strconv.Itoa(len(pairs))
			pairs = append(pairs, out[i], g)
		}
		return out
	}
	p.Access.Pull.Groups = rename(m.Access.Pull.Groups)
	p.Access.Push.Groups = rename(m.Access.Push.Groups)
	return &p, pairs
}

func checkConf(t *testing.T, m *model.Model) {
	t.Helper()
	got, err := generator.HTTPDConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	pm, pairs := placeholders(m)
	tmpl, err := generator.HTTPDConfig(pm)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(pairs...).Replace(string(tmpl))
	if string(got) != want {
		t.Fatalf("a spec value changed httpd.conf beyond its directive: %s", golden.FirstDiff(got, []byte(want)))
	}
	gl, tl := strings.Split(string(got), "\n"), strings.Split(string(tmpl), "\n")
	if len(gl) != len(tl) {
		t.Fatalf("httpd.conf has %d lines, the template %d", len(gl), len(tl))
	}
}

// composeChecked holds the compose files (with what they must carry)
// already proven to load: compose-go's loader takes seconds per call under
// the fuzzer's instrumentation, and most inputs change nothing it renders.
var composeChecked sync.Map

func checkCompose(t *testing.T, m *model.Model) {
	t.Helper()
	data, err := generator.ComposeYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Join([]string{m.ApacheImage, m.Domain, string(data)}, "\x00")
	if _, done := composeChecked.Load(key); done {
		return
	}
	p, err := loadCompose(t, data)
	if err != nil {
		t.Fatalf("the compose file does not load: %v\n%s", err, data)
	}
	if m.Apache.Include {
		checkIncludeProject(t, m, p)
		composeChecked.Store(key, true)
		return
	}
	apache, err := p.GetService("apache")
	if err != nil {
		t.Fatal(err)
	}
	if apache.Image != m.ApacheImage || apache.Hostname != m.Domain || len(p.Services) != 2 {
		t.Fatalf("compose file does not carry the model: %+v", apache)
	}
	composeChecked.Store(key, true)
}

// loadCompose loads a compose file with compose-go, as Compose v2 does.
func loadCompose(t *testing.T, data []byte) (*types.Project, error) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "docker-compose.yml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("fuzz", true) })
}
