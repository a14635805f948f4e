package main

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Distinctive passwords for the leak tests: one per way a spec can give a
// password, so a leak names its source.
const (
	leakPwInline = "Inline-Leak-Pw-7c1e9a"
	leakPwPush   = "Push-Leak-Pw-51b0d3"
	leakPwFile   = "File-Leak-Pw-e83f42"
	leakPwEnv    = "Env-Leak-Pw-2a9c6d"
	leakPwWrong  = "Wrong-Leak-Pw-90ab3f" // a password the stack does not accept
	leakEnvVar   = "REGSETUP_LEAK_TEST_PW"
)

// secrets is everything that must never be printed or logged.
type secrets struct{ words []string }

// newSecrets starts with every password of the leak specs.
func newSecrets() *secrets {
	return &secrets{words: []string{leakPwInline, leakPwPush, leakPwFile, leakPwEnv, leakPwWrong}}
}

// addOutput adds the bcrypt hashes of out/auth/httpd.htpasswd and the body
// of out/auth/domain.key (each base64 line, and all of it on one line).
func (s *secrets) addOutput(t *testing.T, out string) {
	t.Helper()
	hp, err := os.ReadFile(filepath.Join(out, "auth", "httpd.htpasswd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(hp), "\n") {
		if _, hash, ok := strings.Cut(line, ":"); ok {
			s.words = append(s.words, hash)
		}
	}
	key, err := os.ReadFile(filepath.Join(out, "auth", "domain.key"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(key)
	if block == nil {
		t.Fatal("auth/domain.key holds no PEM block")
	}
	s.words = append(s.words, "PRIVATE KEY")
	var body []string
	for _, line := range strings.Split(string(key), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			s.words = append(s.words, line)
			body = append(body, line)
		}
	}
	s.words = append(s.words, strings.Join(body, ""))
}

// check fails the test for each secret in text, naming where it was.
func (s *secrets) check(t *testing.T, where, text string) {
	t.Helper()
	for _, w := range s.words {
		if strings.Contains(text, w) {
			t.Errorf("%s leaks a secret (%.12s...)", where, w)
		}
	}
}

// checkFile checks a file's content.
func (s *secrets) checkFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("reading %s: %v", path, err)
		return
	}
	s.check(t, filepath.Base(path), string(data))
}
