package app

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/regsetup/regsetup/internal/golden"
	"golang.org/x/crypto/bcrypt"
)

// A ready hash (cost 5) for specs that must not spend time hashing.
const readyHash = "$2y$05$6Ia7bUX3VpVVBFAbG2MRSeAdWPdtaYNlyo9FhDdMNsBdS0mY0kVnS"

// bigSpec writes a spec with users users (clear passwords when clear, else
// ready hashes), groups groups and rules rules, and the test certificate.
func bigSpec(b *testing.B, users, groups, rules int, clear bool) string {
	b.Helper()
	dir := b.TempDir()
	var s strings.Builder
	s.WriteString("domain: myregistrydomain.com\ntls:\n  cert: domain.crt\n  key: domain.key\nusers:\n")
	for i := 0; i < users; i++ {
		if clear {
			fmt.Fprintf(&s, "  - {name: user%d, password: password-%d}\n", i, i)
		} else {
			fmt.Fprintf(&s, "  - {name: user%d, bcrypt: %q}\n", i, readyHash)
		}
	}
	s.WriteString("groups:\n")
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&s, "  group%d: [user%d]\n", g, g%users)
	}
	s.WriteString("access:\n")
	if rules == 0 {
		s.WriteString("  push: [group0]\n")
	} else {
		s.WriteString("  rules:\n")
		for r := 0; r < rules; r++ {
			fmt.Fprintf(&s, "    - {repos: \"team%d/*\", pull: authenticated, push: [group%d]}\n", r, r%groups)
		}
	}
	spec := filepath.Join(dir, "regsetup.yaml")
	os.WriteFile(spec, []byte(s.String()), 0o644)
	for _, f := range []string{"domain.crt", "domain.key"} {
		data, _ := os.ReadFile(filepath.Join(golden.Root(), "testdata", f))
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	return spec
}

func initInto(b *testing.B, spec string) {
	b.Helper()
	if _, err := Init(InitOptions{Paths: Paths{Spec: spec, Out: b.TempDir()}}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInit1000Users is init with 1,000 clear passwords at cost 5;
// compare with BenchmarkBcrypt1000Baseline, the hashing alone spread over
// the cores: init should cost about the same.
func BenchmarkInit1000Users(b *testing.B) {
	spec := bigSpec(b, 1000, 10, 0, true)
	for b.Loop() {
		initInto(b, spec)
	}
}

// BenchmarkInit1000UsersRerun is init again over its own output: every
// hash is checked (one bcrypt each), none rewritten.
func BenchmarkInit1000UsersRerun(b *testing.B) {
	spec := bigSpec(b, 1000, 10, 0, true)
	if _, err := Init(InitOptions{Paths: Paths{Spec: spec}}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Init(InitOptions{Paths: Paths{Spec: spec}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBcrypt1000Baseline: 1,000 bcrypt hashes at cost 5 on all cores.
func BenchmarkBcrypt1000Baseline(b *testing.B) {
	for b.Loop() {
		var wg sync.WaitGroup
		jobs := make(chan int)
		for w := 0; w < runtime.NumCPU(); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					bcrypt.GenerateFromPassword([]byte(fmt.Sprint("password-", i)), 5)
				}
			}()
		}
		for i := 0; i < 1000; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
	}
}

// BenchmarkInitScaling shows that, bcrypt aside (ready hashes), init grows
// linearly with users, groups and rules: ns/op should grow about 10× per
// 10× step.
func BenchmarkInitScaling(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		for _, dim := range []struct {
			name                 string
			users, groups, rules int
		}{
			{"users", n, 10, 0},
			{"groups", n, n, 0},
			{"rules", 100, 10, n},
		} {
			b.Run(fmt.Sprintf("%s=%d", dim.name, n), func(b *testing.B) {
				spec := bigSpec(b, dim.users, dim.groups, dim.rules, false)
				for b.Loop() {
					initInto(b, spec)
				}
			})
		}
	}
}
