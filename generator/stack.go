package generator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/regsetup/regsetup/model"
	"gopkg.in/yaml.v3"
)

// StackFile is the Docker Swarm stack file (deploy.target: swarm), for
// `docker stack deploy -c stack.yml`.
const StackFile = "stack.yml"

// Config and secret keys carry the content's digest: Swarm objects
// cannot change content under one name, so a changed file is a new key,
// and `docker stack deploy` names the object STACK_KEY (one stack's
// objects never collide with another's); up removes the stack's objects
// no service uses any more.

// StackObject is one config or secret of the stack file.
type StackObject struct {
	// Key is the stack file's key: the file's name and the first 12 hex
	// digits of its content's sha256, e.g. httpd_conf_0123456789ab.
	Key     string
	File    string // the rendered file it holds, e.g. auth/httpd.conf
	Secret  bool   // a secret (private files, the registry's config.yml), else a config
	Service string // apache or registry
}

// StackObjects are the configs and secrets for files (what Render
// returns): every auth/ file for Apache (private ones as secrets), the
// registry's config.yml as a secret for the registry. Sorted by key.
func StackObjects(files []File) []StackObject {
	var out []StackObject
	for _, f := range files {
		o := StackObject{File: f.Path, Secret: f.Private}
		switch {
		case f.Path == RegistryConfig:
			o.Key, o.Secret, o.Service = "registry_config", true, "registry"
		case strings.HasPrefix(f.Path, "auth/"):
			o.Key, o.Service = objectKey(path.Base(f.Path)), "apache"
		default:
			continue
		}
		o.Key += "_" + contentDigest(f.Data)
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// objectKey turns a file name into a stack key: httpd.conf -> httpd_conf.
func objectKey(name string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(name)
}

func contentDigest(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])[:12]
}

// StackProject builds the swarm stack for m from the rendered files. It
// is shaped for engines whose routing mesh may not work (no IPVS): the
// registry is reached by DNS round robin (endpoint_mode dnsrr), and each
// Apache task publishes its port in host mode on a port the engine picks,
// so two tasks fit on one node and a start-first update never meets a
// taken port. Both roll one task at a time, start-first, gated on their
// healthchecks, and roll back when the new task fails.
func StackProject(m *model.Model, files []File) *types.Project {
	port := strconv.Itoa(m.Port)
	graceful := types.Duration(time.Minute)
	apache := types.ServiceConfig{
		Name:   "apache",
		Deploy: rollout(m.Deploy.Replicas.Apache, ""),
		// The image stops Apache with SIGWINCH (graceful-stop): requests
		// under way finish, for up to a minute, while a task is replaced.
		ContainerSpec: types.ContainerSpec{Image: m.ApacheImage, Hostname: m.Domain, StopGracePeriod: &graceful},
		WorkloadSpec: types.WorkloadSpec{
			Ports:       []types.ServicePortConfig{{Target: uint32(m.Port), Mode: "host", Protocol: "tcp"}},
			HealthCheck: swarmHealth("CMD-SHELL", "ab -n 1 -v 2 https://127.0.0.1:"+port+"/v2/ 2>&1 | grep -q '^HTTP/1.1 401'"),
		},
	}
	if env := LDAPEnv(m); env != nil {
		apache.Environment = types.NewMappingWithEquals(env)
	}
	registry := types.ServiceConfig{
		Name:          "registry",
		Deploy:        rollout(m.Deploy.Replicas.Registry, "dnsrr"),
		ContainerSpec: types.ContainerSpec{Image: m.RegistryImage},
		WorkloadSpec: types.WorkloadSpec{
			HealthCheck: swarmHealth("CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:"+strconv.Itoa(registryPort)+"/v2/"),
		},
	}
	if m.Storage.Driver != model.StorageS3 {
		registry.Volumes = []types.ServiceVolumeConfig{bind("./"+DataDir, RegistryDataDir)}
	}
	p := &types.Project{Services: types.Services{}, Configs: types.Configs{}, Secrets: types.Secrets{}}
	for _, o := range StackObjects(files) {
		target, uid, gid, mode := path.Join(apacheConfDir, path.Base(o.File)), "", "", types.FileMode(0o444)
		if o.Service == "registry" {
			target, uid, gid, mode = RegistryConfigPath, "0", "0", 0o400
		} else if o.Secret {
			uid, gid, mode = "0", strconv.Itoa(privateGID(files, o.File)), 0o440
		}
		ref := types.FileReferenceConfig{Source: o.Key, Target: target, UID: uid, GID: gid, Mode: &mode}
		obj := types.FileObjectConfig{File: "./" + o.File}
		svc := &apache
		if o.Service == "registry" {
			svc = &registry
		}
		if o.Secret {
			svc.Secrets = append(svc.Secrets, types.ServiceSecretConfig(ref))
			p.Secrets[o.Key] = types.SecretConfig(obj)
		} else {
			svc.Configs = append(svc.Configs, types.ServiceConfigObjConfig(ref))
			p.Configs[o.Key] = types.ConfigObjConfig(obj)
		}
	}
	p.Services["apache"], p.Services["registry"] = apache, registry
	return p
}

// swarmHealth is the compose file's healthcheck, every 5 s: Swarm starts
// a task's successor only once the task is healthy (the first check runs
// one interval after the start), so the interval paces a rolling update.
func swarmHealth(test ...string) *types.HealthCheckConfig {
	h := health(test...)
	every := types.Duration(5 * time.Second)
	h.Interval = &every
	return h
}

// privateGID is the group a private file belongs to (the one Apache's
// workers run as).
func privateGID(files []File, path string) int {
	for _, f := range files {
		if f.Path == path {
			return f.GID
		}
	}
	return model.DaemonGroup
}

// rollout is a replicated service's deploy section: one task at a time,
// the new one started (and healthy) before the old one stops, rolled
// back when it fails.
func rollout(replicas int, endpointMode string) *types.DeployConfig {
	one := uint64(1)
	upd := &types.UpdateConfig{Parallelism: &one, Order: "start-first", FailureAction: "rollback", Monitor: types.Duration(5 * time.Second)}
	return &types.DeployConfig{
		Mode: "replicated", Replicas: &replicas, EndpointMode: endpointMode,
		UpdateConfig:   upd,
		RollbackConfig: &types.UpdateConfig{Parallelism: &one, Order: "start-first"},
	}
}

// StackYAML renders stack.yml from the files Render returns (their
// content names the configs and secrets).
func StackYAML(m *model.Model, files []File) ([]byte, error) {
	out, err := StackProject(m, files).MarshalYAML()
	if err != nil {
		return nil, fmt.Errorf("rendering %s: %w", StackFile, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", StackFile, err)
	}
	for _, svc := range []string{"apache", "registry"} {
		for _, kind := range []string{"configs", "secrets"} {
			if refs := findPath(&doc, "services", svc, kind); refs != nil {
				for _, ref := range refs.Content {
					numericMode(ref)
				}
			}
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", StackFile, err)
	}
	return b.Bytes(), nil
}

// numericMode writes a file reference's mode as a number, with its octal
// form as a comment: `docker stack deploy` rejects compose-go's "0440".
func numericMode(ref *yaml.Node) {
	if mode := findPath(ref, "mode"); mode != nil {
		if v, err := strconv.ParseUint(mode.Value, 8, 32); err == nil {
			mode.LineComment = mode.Value
			mode.Value, mode.Tag, mode.Style = strconv.FormatUint(v, 10), "!!int", 0
		}
	}
}
