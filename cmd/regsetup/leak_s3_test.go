package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsetup/regsetup/generator"
)

// The S3 leak tests' secret keys (one per way a spec gives one) and stack.
const (
	leakS3SecretEnv  = "S3_Env_Secret_Leak_4f7d2b91c0" // also a valid variable name
	leakS3SecretFile = "S3-File-Secret-Leak-8e1a63d5"
	leakS3Var        = "REGSETUP_LEAK_TEST_S3_SECRET"
	leakS3AccessVar  = "REGSETUP_LEAK_TEST_S3_ACCESS"
	leakS3Project    = "regsetup-leaktest-s3"
	portLeakS3       = 16191
)

// leakS3Dir is leakDir with S3 storage whose secret key comes from the
// environment (or, with fromFile, from a file beside the spec). The
// endpoint resolves nowhere: nothing here talks to it.
func leakS3Dir(t *testing.T, port int, fromFile bool) string {
	t.Helper()
	spec := leakDir(t, "leak.example.test", port, leakPwInline)
	t.Setenv(leakS3Var, leakS3SecretEnv)
	t.Setenv(leakS3AccessVar, "AKIALEAKTESTACCESS")
	source := "secret_key_env: " + leakS3Var
	if fromFile {
		source = "secret_key_file: s3.secret"
		if err := os.WriteFile(filepath.Join(filepath.Dir(spec), "s3.secret"), []byte(leakS3SecretFile+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	appendTo(t, spec, "profile: secure\nstorage:\n  driver: s3\n  s3:\n    endpoint: https://s3.leak.example.test:8333\n"+
		"    bucket: registry\n    access_key_env: "+leakS3AccessVar+"\n    "+source+"\n")
	return spec
}

func s3Secrets() *secrets {
	s := newSecrets()
	s.words = append(s.words, leakS3SecretEnv, leakS3SecretFile)
	return s
}

// TestNoLeakS3Init: init (text, --json, --check) and status --json with
// either source of the secret key print no secret, and only
// registry/config.yml (0600) holds the key.
func TestNoLeakS3Init(t *testing.T) {
	for _, fromFile := range []bool{false, true} {
		t.Run(map[bool]string{false: "env", true: "file"}[fromFile], func(t *testing.T) {
			spec := leakS3Dir(t, portLeakS3, fromFile)
			out := filepath.Join(t.TempDir(), "out")
			s := s3Secrets()
			for _, args := range [][]string{{"init"}, {"init", "--json"}, {"init", "--check", "--json"}, {"init", "--check"}} {
				code, o := runChecked(t, s, append(args, "--spec", spec, "--out", out)...)
				wantCode(t, strings.Join(args, " "), code, exitOK, o)
			}
			runChecked(t, s, "status", "--json", "--spec", spec, "--out", out, "--project", leakS3Project+"-none")
			s.addOutput(t, out)
			for _, f := range []string{"docker-compose.yml", ".regsetup-state.json", "auth/httpd.conf"} {
				s.checkFile(t, filepath.Join(out, f))
			}
			conf, err := os.ReadFile(filepath.Join(out, generator.RegistryConfig))
			want := map[bool]string{false: leakS3SecretEnv, true: leakS3SecretFile}[fromFile]
			if err != nil || !strings.Contains(string(conf), want) {
				t.Errorf("%s does not hold the secret key (%v): the test checks nothing", generator.RegistryConfig, err)
			}
		})
	}
}

// TestNoLeakS3InvalidSpecs: a spec whose secret key source is wrong, or
// holds the key itself by mistake, fails without printing the key.
func TestNoLeakS3InvalidSpecs(t *testing.T) {
	s := s3Secrets()
	for name, edit := range map[string]func(string) string{
		"unset variable": func(v string) string { return v },
		"key pasted as the name": func(v string) string {
			return replaceOnce(v, "secret_key_env: "+leakS3Var, "secret_key_env: "+leakS3SecretEnv)
		},
		"key pasted as the file": func(v string) string {
			return replaceOnce(v, "secret_key_env: "+leakS3Var, "secret_key_file: "+leakS3SecretFile)
		},
		"both sources": func(v string) string { return v + "    secret_key_file: " + leakS3SecretFile + "\n" },
	} {
		t.Run(name, func(t *testing.T) {
			spec := leakS3Dir(t, portLeakS3, false)
			if name == "unset variable" {
				os.Unsetenv(leakS3Var)
			}
			text, err := os.ReadFile(spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(spec, []byte(edit(string(text))), 0o644); err != nil {
				t.Fatal(err)
			}
			code, o := runChecked(t, s, "init", "--json", "--spec", spec, "--out", filepath.Join(t.TempDir(), "out"))
			if code == exitOK || !strings.Contains(o, "storage.s3.secret_key") {
				t.Errorf("exit %d, want an error naming storage.s3.secret_key:\n%s", code, o)
			}
		})
	}
}

// TestNoLeakS3UpStatus: up, status --json and down of an S3 stack with the
// real docker print no secret key, and neither do the containers' logs nor
// their definitions (the key reaches the registry only inside its
// config.yml, never in its environment or command line).
func TestNoLeakS3UpStatus(t *testing.T) {
	needCompose(t)
	spec := leakS3Dir(t, portLeakS3, false)
	s := s3Secrets()
	stack := []string{"--spec", spec, "--compose", "docker compose", "--project", leakS3Project}
	t.Cleanup(func() { runCLI(t, append([]string{"down"}, stack...)...) })
	code, o := runChecked(t, s, append([]string{"up", "--timeout", "90s"}, stack...)...)
	wantCode(t, "up", code, exitOK, o)
	s.addOutput(t, filepath.Dir(spec))
	code, o = runChecked(t, s, append([]string{"status", "--json"}, stack...)...)
	wantCode(t, "status --json", code, exitOK, o)
	compose := filepath.Join(filepath.Dir(spec), "docker-compose.yml")
	logs, _ := exec.Command("docker", "compose", "-p", leakS3Project, "-f", compose, "logs", "--no-color").CombinedOutput()
	s.check(t, "the containers' logs", string(logs))
	ids, err := exec.Command("docker", "compose", "-p", leakS3Project, "-f", compose, "ps", "-q").Output()
	if err != nil || len(strings.Fields(string(ids))) == 0 {
		t.Fatalf("docker compose ps -q: %v %q", err, ids)
	}
	inspect, err := exec.Command("docker", append([]string{"inspect"}, strings.Fields(string(ids))...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker inspect: %v\n%s", err, inspect)
	}
	s.check(t, "docker inspect of the containers", string(inspect))
	code, o = runChecked(t, s, append([]string{"down"}, stack...)...)
	wantCode(t, "down", code, exitOK, o)
}
