package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fakeService is docker service inspect's answer for one service.
func fakeService(t *testing.T, id, image string, replicas int, configs ...string) *swarmService {
	t.Helper()
	var refs []string
	for _, c := range configs {
		refs = append(refs, fmt.Sprintf(`{"ConfigName": %q}`, c))
	}
	raw := json.RawMessage(fmt.Sprintf(`{"ID": %q, "Spec": {"Name": "st_apache", "TaskTemplate": {"ContainerSpec": {"Image": %q, "Configs": [%s]}}, "Mode": {"Replicated": {"Replicas": %d}}}}`,
		id, image, strings.Join(refs, ","), replicas))
	v := &swarmService{raw: raw}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestParseStack: objects without a name are named as stack deploy names
// them (STACK_KEY), per service and sorted, with the file each holds; a
// reference to an undeclared key is an error.
func TestParseStack(t *testing.T) {
	f, err := parseStack([]byte(`services:
  apache:
    ports: [{target: 5043, mode: host}]
    deploy: {replicas: 2}
    configs: [{source: httpd_conf_aaa}]
    secrets: [{source: domain_key_bbb}]
  registry:
    deploy: {replicas: 3}
    secrets: [{source: registry_config_ccc}]
configs:
  httpd_conf_aaa: {file: ./auth/httpd.conf}
secrets:
  domain_key_bbb: {file: ./auth/domain.key}
  registry_config_ccc: {name: own, file: ./registry/config.yml}
`), "st")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.objects["apache"]; !slices.Equal(got, []string{"st_domain_key_bbb", "st_httpd_conf_aaa"}) {
		t.Errorf("apache objects %v", got)
	}
	if got := f.objects["registry"]; !slices.Equal(got, []string{"own"}) {
		t.Errorf("registry objects %v", got)
	}
	if f.files["st_httpd_conf_aaa"] != "auth/httpd.conf" || f.port != 5043 || f.replicas["registry"] != 3 {
		t.Errorf("files %v port %d replicas %v", f.files, f.port, f.replicas)
	}
	if _, err := parseStack([]byte("services:\n  apache:\n    configs: [{source: nope}]\n"), "st"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("an undeclared key: %v", err)
	}
}

// TestSwarmCompared: a service that was not there is started, one whose
// spec docker holds is the same is unchanged, and an update names the
// files whose configs are new, a new image, new replicas.
func TestSwarmCompared(t *testing.T) {
	files := map[string]string{"st_htpasswd_new": "auth/httpd.htpasswd"}
	old := fakeService(t, "s1", "httpd:2.4", 2, "st_conf_a", "st_htpasswd_old")
	tests := []struct {
		name          string
		before, after *swarmService
		want          Action
		reason        string
	}{
		{"new", nil, old, Started, "it was not running"},
		{"same", old, fakeService(t, "s1", "httpd:2.4", 2, "st_conf_a", "st_htpasswd_old"), Unchanged, ""},
		{"user change", old, fakeService(t, "s1", "httpd:2.4", 2, "st_conf_a", "st_htpasswd_new"), Updated, "auth/httpd.htpasswd changed"},
		{"image and replicas", old, fakeService(t, "s1", "httpd:2.5", 3, "st_conf_a", "st_htpasswd_old"), Updated, "its image changed; replicas 2 -> 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := swarmCompared("apache", tt.before, tt.after, files)
			if got.Action != tt.want || got.Reason != tt.reason {
				t.Errorf("%s (%q), want %s (%q)", got.Action, got.Reason, tt.want, tt.reason)
			}
		})
	}
}

// TestSwarmServiceStatus: only tasks that run the service's current spec
// count; a deployed config that is not the stack file's is reported by
// the file it holds.
func TestSwarmServiceStatus(t *testing.T) {
	v := fakeService(t, "s1", "httpd:2.4", 2, "st_conf_a")
	task := func(state string, configs ...string) swarmTask {
		tk := swarmTask{ServiceID: "s1"}
		tk.Status.State = state
		tk.Spec.ContainerSpec.Image = "httpd:2.4"
		for _, c := range configs {
			tk.Spec.ContainerSpec.Configs = append(tk.Spec.ContainerSpec.Configs, struct{ ConfigName string }{c})
		}
		return tk
	}
	files := map[string]string{"st_conf_a": "auth/httpd.conf", "st_conf_b": "auth/httpd.conf"}
	ct, differs := swarmServiceStatus("apache", v, []swarmTask{task("running", "st_conf_a"), task("running", "st_conf_old")}, []string{"st_conf_a"}, files, 2)
	if ct.State != "degraded" || ct.Tasks != 1 || len(differs) != 0 {
		t.Errorf("one current task of 2: %+v %v", ct, differs)
	}
	ct, differs = swarmServiceStatus("apache", v, []swarmTask{task("running", "st_conf_a"), task("running", "st_conf_a")}, []string{"st_conf_b"}, files, 2)
	if ct.State != "running" || !slices.Equal(differs, []string{"auth/httpd.conf"}) {
		t.Errorf("running the old file: %+v %v", ct, differs)
	}
	if ct, differs := swarmServiceStatus("apache", nil, nil, nil, files, 2); ct.State != "missing" || len(differs) != 1 {
		t.Errorf("no service: %+v %v", ct, differs)
	}
}

// TestStale: the names the stack file does not keep, sorted.
func TestStale(t *testing.T) {
	got := stale([]string{"st_b_2", "st_a_1", "st_b_1"}, map[string]bool{"st_b_2": true})
	if !slices.Equal(got, []string{"st_a_1", "st_b_1"}) {
		t.Errorf("stale %v", got)
	}
}

// TestCheckNames: a stack name that makes an object name longer than
// Swarm accepts is refused before deploying.
func TestCheckNames(t *testing.T) {
	ok := map[string][]string{"apache": {"st_ldap_bind_password_0123456789ab"}}
	if err := checkNames(ok); err != nil {
		t.Errorf("a short name: %v", err)
	}
	long := map[string][]string{"apache": {strings.Repeat("s", 34) + "_ldap_bind_password_0123456789ab"}}
	if err := checkNames(long); !errors.Is(err, ErrEnvironment) || !strings.Contains(err.Error(), "--project") {
		t.Errorf("a name of 65 characters: %v", err)
	}
}
