package verify

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRunDockerClient(t *testing.T) {
	tests := []struct {
		name  string
		proxy *fakeProxy
		want  map[string]Status
	}{
		{"correct proxy", &fakeProxy{pushers: []string{pusher.User}}, statuses(nil)},
		{"puller can push", &fakeProxy{pushers: []string{pusher.User, puller.User}},
			statuses(map[string]Status{StepDeniedPush: StatusFail, StepMatrix: StatusFail})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, tt.proxy)
			fake := newFakeDocker(reg.transport())
			c := reg.config()
			c.Client, c.Runner, c.TempDir, c.Tag = ClientDocker, fake, t.TempDir(), "dtag"
			rep, err := Run(context.Background(), c)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			checkReport(t, rep, tt.want, nil)
			checkDockerCalls(t, fake, c)
		})
	}
}

// checkDockerCalls: every command has its own temporary DOCKER_CONFIG,
// passwords go on stdin only, and everything created is removed.
func checkDockerCalls(t *testing.T, fake *fakeDocker, c Config) {
	t.Helper()
	home, _ := os.UserHomeDir()
	configs := map[string]string{} // login user → DOCKER_CONFIG
	var verbs []string
	for _, call := range fake.calls {
		cfg := configOf(call.Cmd)
		if !strings.HasPrefix(cfg, c.TempDir+string(filepath.Separator)) || strings.HasPrefix(cfg, filepath.Join(home, ".docker")) {
			t.Errorf("%s: DOCKER_CONFIG %q is not a temporary directory under %s", call.String(), cfg, c.TempDir)
		}
		for _, p := range []string{pusher.Password, puller.Password} {
			if strings.Contains(call.String(), p) || slices.Contains(call.Env, p) {
				t.Errorf("%s: password in argv or env", call.String())
			}
		}
		verbs = append(verbs, call.Args[0])
		if call.Args[0] != "login" {
			continue
		}
		if !slices.Contains(call.Args, "--password-stdin") || call.stdin == "" {
			t.Errorf("%s: want --password-stdin and the password on stdin", call.String())
		}
		user := call.Args[2]
		if call.stdin != pusher.Password && call.stdin != puller.Password {
			user += " (wrong)"
		}
		configs[user] = cfg
	}
	if len(configs) != 3 || configs[pusher.User] == configs[puller.User] || configs[pusher.User] == configs[pusher.User+" (wrong)"] {
		t.Errorf("want three different DOCKER_CONFIG dirs for pusher, puller and wrong password, got %v", configs)
	}
	want := "login login login load push rmi pull image load rmi tag push rmi rmi"
	if got := strings.Join(verbs, " "); got != want {
		t.Errorf("docker commands:\n got %s\nwant %s", got, want)
	}
	last := fake.calls[len(fake.calls)-2:]
	removed := []string{last[0].Args[1], last[1].Args[1]}
	slices.Sort(removed)
	if removed[1] != "regsetup-verify-local/denied:dtag" || removed[0] != c.Host+"/"+c.Repo+":dtag" {
		t.Errorf("cleanup removed %v and %v", last[0].Args, last[1].Args)
	}
	if len(fake.images) != 0 {
		t.Errorf("local images left behind: %v", fake.images)
	}
	if left, _ := os.ReadDir(c.TempDir); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
