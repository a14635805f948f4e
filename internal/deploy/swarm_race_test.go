package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/execx"
)

// raceError is the task error dockerd before 29.4.1 gives on the secrets
// remount race (moby/moby#48783), as docker service ps showed it in CI.
const raceError = "starting container failed: unable to remount dir as readonly: mount tmpfs:/var/lib/docker/containers/af75/mounts/secrets, flags: 0x21, data: uid=0,gid=0: device or resource busy"

// rolledBackSwarm plays a swarm manager whose every update of st_apache
// rolls back: try n's new task failed with failures[n-1]. It answers the
// commands rollout runs and counts the deploys.
type rolledBackSwarm struct {
	failures []string
	deploys  int
}

func (f *rolledBackSwarm) Output(_ context.Context, c execx.Cmd) ([]byte, error) {
	line := strings.Join(c.Args, " ")
	switch {
	case strings.HasPrefix(line, "stack deploy "):
		f.deploys++
		return nil, nil
	case strings.HasPrefix(line, "service ls "):
		return []byte("s1\n"), nil
	case strings.HasPrefix(line, "service inspect "):
		return []byte(`[{"ID": "s1", "Spec": {"Name": "st_apache", "TaskTemplate": {"ContainerSpec": {"Image": "httpd:2.4", "Configs": [{"ConfigName": "st_conf_old"}]}}, "Mode": {"Replicated": {"Replicas": 1}}}, "UpdateStatus": {"State": "rollback_completed", "Message": "update rolled back due to failure"}}]`), nil
	case strings.HasPrefix(line, "stack ps "):
		return []byte("t1 t2\n"), nil
	case strings.HasPrefix(line, "inspect --type task "):
		task := func(id, state, err, config string) map[string]any {
			return map[string]any{"ID": id, "ServiceID": "s1",
				"Spec":   map[string]any{"ContainerSpec": map[string]any{"Image": "httpd:2.4", "Configs": []any{map[string]string{"ConfigName": config}}}},
				"Status": map[string]any{"State": state, "Err": err}}
		}
		failure := f.failures[min(f.deploys, len(f.failures))-1]
		return json.Marshal([]any{task("t1", "running", "", "st_conf_old"), task("t2", "failed", failure, "st_conf_new")})
	case strings.HasPrefix(line, "service ps "), strings.HasPrefix(line, "service logs "):
		return []byte("(task states and logs)"), nil
	}
	return nil, &execx.Error{Cmd: c.String(), Err: fmt.Errorf("rolledBackSwarm does not play %q", line)}
}

// TestRolloutRetriesEngineRace: an update rolled back because its new
// task failed on the engine's remount race is deployed again, until
// rolloutTries; one rolled back for any other reason is not, and the
// rollback is what up returns.
func TestRolloutRetriesEngineRace(t *testing.T) {
	const other = "task: non-zero exit (1): httpd: Syntax error on line 12"
	tests := []struct {
		name     string
		failures []string
		deploys  int
	}{
		{"another failure is not retried", []string{other}, 1},
		{"a race, then another failure", []string{raceError, other}, 2},
		{"a race every time", []string{raceError}, rolloutTries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &rolledBackSwarm{failures: tt.failures}
			var progress []string
			o := &Options{Dir: t.TempDir(), Domain: testDomain, Port: 5043, Timeout: 5 * time.Second, Runner: f,
				Progress: func(s string) { progress = append(progress, s) }}
			s := &Swarm{Runner: f, File: "stack.yml", Stack: "st"}
			_, notes, err := o.rollout(context.Background(), s, map[string][]string{"apache": {"st_conf_new"}})
			if !errors.Is(err, errRolledBack) {
				t.Fatalf("rollout: %v, want the rollback", err)
			}
			if f.deploys != tt.deploys {
				t.Errorf("%d deploys, want %d; progress:\n%s", f.deploys, tt.deploys, strings.Join(progress, "\n"))
			}
			again := 0
			for _, p := range progress {
				if strings.Contains(p, "deployed again") {
					again++
				}
			}
			if again != tt.deploys-1 || len(notes) != tt.deploys-1 {
				t.Errorf("%d retries in the progress, %d notes, want %d", again, len(notes), tt.deploys-1)
			}
			for _, n := range notes {
				if !strings.Contains(n, "moby/moby#48783") || !strings.Contains(n, "st_apache") || !strings.Contains(n, "device or resource busy") {
					t.Errorf("the retry does not say why: %s", n)
				}
			}
			if got := strings.Join(progress, "\n") + err.Error(); !strings.Contains(got, "st_apache") {
				t.Errorf("the failure does not name the service: %v", err)
			}
		})
	}
}

// TestRacedTask: only a failed task of the stack file's spec, with the
// remount race's error, counts; an older spec's task or another error
// does not.
func TestRacedTask(t *testing.T) {
	want := map[string][]string{"apache": {"st_conf_new"}, "registry": {"st_reg_new"}}
	task := func(state, err, config string) swarmTask {
		tk := swarmTask{}
		tk.Status.State, tk.Status.Err = state, err
		tk.Spec.ContainerSpec.Configs = append(tk.Spec.ContainerSpec.Configs, struct{ ConfigName string }{config})
		return tk
	}
	tests := []struct {
		name string
		task swarmTask
		svc  string
	}{
		{"the new apache spec, the race", task("failed", raceError, "st_conf_new"), "apache"},
		{"the new registry spec, rejected on the race", task("rejected", raceError, "st_reg_new"), "registry"},
		{"an older spec", task("failed", raceError, "st_conf_old"), ""},
		{"another error", task("failed", "task: non-zero exit (1)", "st_conf_new"), ""},
		{"EBUSY elsewhere", task("failed", "error mounting volume: device or resource busy", "st_conf_new"), ""},
		{"still running", task("running", "", "st_conf_new"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, why := racedTask([]swarmTask{tt.task}, want)
			if svc != tt.svc || (svc != "") != (why == raceError) {
				t.Errorf("racedTask: %q %q, want %q", svc, why, tt.svc)
			}
		})
	}
}
