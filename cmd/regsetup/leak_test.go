package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/regsetup/regsetup/internal/golden"
)

// Ports of the leak tests' stacks (distinct from every other package's).
const (
	portLeakNative  = 15190
	portLeakNothing = 15191
	portLeakCompose = 16190
)

// TestNoLeakInit runs example and init in every mode, including failing
// ones, with distinctive passwords and checks no output carries a secret.
func TestNoLeakInit(t *testing.T) {
	spec := leakDir(t, "leak.example.test", portLeakNative, leakPwInline)
	out := filepath.Join(t.TempDir(), "out")
	s := newSecrets()
	code, o := runChecked(t, s, "example")
	wantCode(t, "example", code, exitOK, o)
	code, o = runChecked(t, s, "init", "--spec", spec, "--out", out)
	wantCode(t, "init", code, exitOK, o)
	s.addOutput(t, out)
	appendTo(t, filepath.Join(out, "auth", "httpd.htpasswd"), "# edit\n")
	steps := []struct {
		name string
		args []string
		code int
	}{
		{"init again", []string{"init"}, exitEdited},
		{"init --json", []string{"init", "--json"}, exitEdited},
		{"init --check", []string{"init", "--check"}, exitDrift},
		{"init --check --json", []string{"init", "--check", "--json"}, exitDrift},
		{"init --force --json", []string{"init", "--force", "--json"}, exitOK},
		{"init text", []string{"init"}, exitOK},
		{"init --check clean", []string{"init", "--check"}, exitOK},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, o := runChecked(t, s, append(st.args, "--spec", spec, "--out", out)...)
			wantCode(t, st.name, code, st.code, o)
		})
	}
	s.checkFile(t, filepath.Join(out, "docker-compose.yml"))
	s.checkFile(t, filepath.Join(out, ".regsetup-state.json"))
}

// TestNoLeakInvalidSpecs: specs that fail to load, with a password next
// to (or inside) the error, must not print it.
func TestNoLeakInvalidSpecs(t *testing.T) {
	s := newSecrets()
	valid := leakSpec("leak.example.test", portLeakNative, leakPwInline)
	cases := map[string]string{
		"bad domain":          replaceOnce(valid, "leak.example.test", "bad domain!"),
		"bad cost":            valid + "bcrypt_cost: 99\n",
		"two password fields": replaceOnce(valid, "password: "+leakPwPush, "password: "+leakPwPush+"\n    bcrypt: "+leakPwInline),
		"unterminated quote":  replaceOnce(valid, "password: "+leakPwInline, `password: "`+leakPwInline),
		"password as a map":   replaceOnce(valid, "password: "+leakPwInline, "password: {"+leakPwInline+": x}"),
		"password as a list":  replaceOnce(valid, "password: "+leakPwInline, "password: ["+leakPwInline+"]"),
		"unknown field":       replaceOnce(valid, "password: "+leakPwInline, "passwd: "+leakPwInline),
		"missing env":         valid,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			spec := leakDir(t, "leak.example.test", portLeakNative, leakPwInline)
			if name == "missing env" {
				t.Setenv(leakEnvVar, "")
				os.Unsetenv(leakEnvVar)
			}
			if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			code, o := runChecked(t, s, "init", "--json", "--spec", spec, "--out", out)
			if code == exitOK {
				t.Errorf("the spec was accepted:\n%s", o)
			}
		})
	}
}

// replaceOnce replaces the first old in s, panicking when it is absent
// (the cases above must change the spec).
func replaceOnce(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic(fmt.Sprintf("%q not in the spec", old))
	}
	return strings.Replace(s, old, new, 1)
}
