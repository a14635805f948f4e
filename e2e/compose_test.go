package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regsetup/regsetup/internal/app"
	"github.com/regsetup/regsetup/internal/deploy"
	"github.com/regsetup/regsetup/internal/golden"
	"github.com/regsetup/regsetup/internal/testenv"
)

// Ports of the Compose-started stacks (published on the host).
const (
	portComposeV1     = 16043
	portComposeV2     = 16044
	portComposeRecipe = 16045
	portComposeDocker = 16046
)

// composes are the two Compose implementations the tests run.
var composes = []struct{ name, cmd string }{
	{"v1", "docker-compose"},
	{"v2", "docker compose"},
}

// needDocker fails (under CI) or skips without a docker daemon, either
// compose, or the local images.
func needDocker(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "docker")
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		testenv.Missing(t, "a running docker daemon ("+strings.TrimSpace(string(out))+")")
	}
	for _, c := range composes {
		f := strings.Fields(c.cmd)
		if err := exec.Command(f[0], append(f[1:], "version")...).Run(); err != nil {
			testenv.Missing(t, c.cmd)
		}
	}
	for _, img := range []string{"httpd:2.4", "registry:2"} {
		if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
			testenv.Missing(t, "the image "+img+" (images/build.sh)")
		}
	}
}

func stackOptions(t *testing.T, spec, compose string) app.StackOptions {
	return app.StackOptions{
		Paths: app.Paths{Spec: spec}, Compose: compose, Project: project(t), Timeout: 90 * time.Second,
		Progress: func(s string) { t.Log(s) },
	}
}

// project is a compose project name of the test's own: every t.TempDir()
// ends in "001", so the default (the folder's name) would be shared.
func project(t *testing.T) string {
	return "e2e-" + deploy.ProjectName(strings.ReplaceAll(t.Name(), "/", "-"))
}

// composeDown stops a stack at the end of a test, whatever happened.
func composeDown(t *testing.T, o app.StackOptions) {
	t.Cleanup(func() {
		if err := app.Down(context.Background(), o, false); err != nil {
			t.Errorf("down: %v", err)
		}
	})
}

// projectContainers lists what docker still has of a compose project.
func projectContainers(t *testing.T, project string) string {
	out, err := exec.Command("docker", "ps", "-a", "--filter", "label=com.docker.compose.project="+project, "--format", "{{.Names}} {{.Ports}}").CombinedOutput()
	if err != nil {
		t.Fatalf("docker ps: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestComposeUpVerifyDown: init → up → verify through Apache → down, with
// Compose v1 and v2; nothing left running and data/ intact.
func TestComposeUpVerifyDown(t *testing.T) {
	needDocker(t)
	for i, c := range composes {
		t.Run(c.name, func(t *testing.T) {
			port := []int{portComposeV1, portComposeV2}[i]
			spec := render(t, specParams{Profile: "secure", Port: port})
			dir := filepath.Dir(spec)
			o := stackOptions(t, spec, c.cmd)
			composeDown(t, o)
			if _, err := app.Up(context.Background(), o); err != nil {
				t.Fatalf("up: %v", err)
			}
			if ps := projectContainers(t, o.Project); strings.Contains(ps, "5000->") {
				t.Errorf("the registry's port is published on the host: %s", ps)
			}
			rep, err := app.Verify(context.Background(), app.VerifyOptions{Paths: app.Paths{Spec: spec}, Resolve: "myregistrydomain.com:" + itoa(port) + ":127.0.0.1", Layers: 2, LayerSize: 64 << 10})
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, reportText(rep))
			}
			repo := filepath.Join(dir, "data", "docker", "registry", "v2", "repositories", "regsetup-verify", "smoke")
			if _, err := os.Stat(repo); err != nil {
				t.Fatalf("the pushed image is not in data/: %v", err)
			}
			checkBlobsFromStorage(t, o.Project, "/v2/regsetup-verify/smoke/blobs/sha256:")
			if err := app.Down(context.Background(), o, false); err != nil {
				t.Fatalf("down: %v", err)
			}
			if ps := projectContainers(t, o.Project); ps != "" {
				t.Errorf("containers left after down: %s", ps)
			}
			if _, err := os.Stat(repo); err != nil {
				t.Errorf("down deleted the registry's data: %v", err)
			}
		})
	}
}

// checkBlobsFromStorage fails unless the Apache container served blob GETs
// under prefix (verify's pull reads every layer) and the registry
// container saw none of them: Apache read them from the data/ it mounts
// (apache.serve_blobs).
func checkBlobsFromStorage(t *testing.T, project, prefix string) {
	t.Helper()
	get := `"GET ` + prefix
	apache, registry := serviceLogs(t, project, "apache"), serviceLogs(t, project, "registry")
	served := slices.ContainsFunc(strings.Split(apache, "\n"), func(l string) bool {
		return strings.Contains(l, get) && strings.Contains(l, `HTTP/1.1" 200 `)
	})
	if !served {
		t.Errorf("the apache container logged no blob GET under %s answered 200:\n%s", prefix, apache)
	}
	if strings.Contains(registry, get) {
		t.Errorf("the registry container answered blob GETs that Apache should serve from data/:\n%s", registry)
	}
}

// serviceLogs is the log of a compose project's service container.
func serviceLogs(t *testing.T, project, service string) string {
	t.Helper()
	id, err := exec.Command("docker", "ps", "-q", "--filter", "label=com.docker.compose.project="+project, "--filter", "label=com.docker.compose.service="+service).Output()
	if err != nil || strings.TrimSpace(string(id)) == "" {
		t.Fatalf("finding the %s container of %s: %v", service, project, err)
	}
	out, err := exec.Command("docker", "logs", strings.TrimSpace(string(id))).CombinedOutput()
	if err != nil {
		t.Fatalf("docker logs %s: %v: %s", service, err, out)
	}
	return string(out)
}

// TestComposeRecipeDoesNotStart: the document's config cannot start on the
// httpd:2.4 image (AH00534). up says so from httpd -t before starting; and
// with that check skipped, the readiness gate catches the container that
// exits and shows its log.
func TestComposeRecipeDoesNotStart(t *testing.T) {
	needDocker(t)
	spec := render(t, specParams{Profile: "recipe", Port: portComposeRecipe})
	for _, skip := range []bool{false, true} {
		o := stackOptions(t, spec, "docker compose")
		o.SkipConfigTest = skip
		o.Timeout = 30 * time.Second
		composeDown(t, o)
		_, err := app.Up(context.Background(), o)
		if !errors.Is(err, deploy.ErrUnhealthy) || !strings.Contains(err.Error(), "AH00534") {
			t.Errorf("skip httpd -t=%v: up must fail showing AH00534, got: %v", skip, err)
		}
		if skip && !strings.Contains(err.Error(), "logs apache") {
			t.Errorf("the failure should say how to see more: %v", err)
		}
	}
}

// TestComposeConfigAccepts: both Compose implementations accept every
// golden compose file (`config` validates without starting anything).
func TestComposeConfigAccepts(t *testing.T) {
	for _, c := range composes {
		f := strings.Fields(c.cmd)
		testenv.Tool(t, f[0])
		for _, name := range []string{"recipe", "quickstart", "teams", "rules"} {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(golden.Dir(name), "docker-compose.yml"))
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, "docker-compose.yml"), data)
				cmd := exec.Command(f[0], append(f[1:], "-f", filepath.Join(dir, "docker-compose.yml"), "config", "-q")...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("%s config: %v\n%s", c.cmd, err, out)
				}
			})
		}
	}
}
