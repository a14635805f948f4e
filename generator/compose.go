package generator

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/regsetup/regsetup/model"
	"gopkg.in/yaml.v3"
)

// RegistryDataDir is where the registry image keeps its data, and where
// Apache mounts it to serve blobs (model.Model.BlobsFromStorage).
const RegistryDataDir = "/var/lib/registry"

// Paths inside the official images.
const (
	apacheConfDir = "/usr/local/apache2/conf"
	registryPort  = 5000
)

// ComposeProject builds the recipe's two services as a Compose
// Specification project. Bind mounts are relative to the compose file (the
// document's `pwd`). The secure profile does not publish the registry's
// unauthenticated port on the host, and keeps the stack up: a restart
// policy (back after a reboot or a dockerd restart) and healthchecks
// (the registry's /v2/ answers; Apache's /v2/ answers 401).
func ComposeProject(m *model.Model) *types.Project {
	if m.Apache.Include {
		return includeProject(m)
	}
	port := strconv.Itoa(m.Port)
	apache := types.ServiceConfig{
		Name:  "apache",
		Links: []string{"registry:registry"},
		ContainerSpec: types.ContainerSpec{
			Image:    m.ApacheImage,
			Hostname: m.Domain,
			Volumes:  []types.ServiceVolumeConfig{bind("./auth", apacheConfDir)},
		},
		WorkloadSpec: types.WorkloadSpec{
			Ports: []types.ServicePortConfig{{Target: uint32(m.Port), Published: port, Protocol: "tcp"}},
		},
	}
	registry := types.ServiceConfig{
		Name: "registry",
		ContainerSpec: types.ContainerSpec{
			Image:   m.RegistryImage,
			Volumes: []types.ServiceVolumeConfig{bind("./data", RegistryDataDir)},
		},
	}
	if m.BlobsFromStorage() {
		v := bind("./data", RegistryDataDir) // Apache reads blobs where the registry keeps them
		v.ReadOnly = true
		apache.Volumes = append(apache.Volumes, v)
	}
	if m.Storage.Driver == model.StorageS3 {
		registry.Volumes = nil // the bucket holds the data
	}
	if m.RegistryConfigured() {
		v := bind("./"+RegistryConfig, RegistryConfigPath)
		v.ReadOnly = true
		registry.Volumes = append(registry.Volumes, v)
	}
	if m.Profile == model.ProfileRecipe {
		registry.WorkloadSpec.Ports = []types.ServicePortConfig{{HostIP: "127.0.0.1", Target: registryPort, Published: strconv.Itoa(registryPort), Protocol: "tcp"}}
	} else {
		apache.Restart, registry.Restart = types.RestartPolicyUnlessStopped, types.RestartPolicyUnlessStopped
		apache.HealthCheck = health("CMD-SHELL", "ab -n 1 -v 2 https://127.0.0.1:"+port+"/v2/ 2>&1 | grep -q '^HTTP/1.1 401'")
		registry.HealthCheck = health("CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:"+strconv.Itoa(registryPort)+"/v2/")
	}
	if env := LDAPEnv(m); env != nil {
		apache.Environment = types.NewMappingWithEquals(env)
	}
	return &types.Project{Services: types.Services{"apache": apache, "registry": registry}}
}

// health checks every 10 s (5 s to answer, 3 misses make it unhealthy),
// from 5 s after the start. Both images carry the tool the test runs: the
// registry busybox's wget, Apache its own ab (built with SSL).
func health(test ...string) *types.HealthCheckConfig {
	d := func(s time.Duration) *types.Duration { v := types.Duration(s); return &v }
	retries := uint64(3)
	return &types.HealthCheckConfig{Test: test, Interval: d(10 * time.Second), Timeout: d(5 * time.Second), StartPeriod: d(5 * time.Second), Retries: &retries}
}

func bind(source, target string) types.ServiceVolumeConfig {
	return types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: source, Target: target}
}

// ComposeYAML renders docker-compose.yml: compose-go's own marshalling,
// with ports in the short form ("127.0.0.1:5000:5000"), because
// docker-compose 1.29 rejects host_ip in the long form.
func ComposeYAML(m *model.Model) ([]byte, error) {
	p := ComposeProject(m)
	out, err := p.MarshalYAML()
	if err != nil {
		return nil, fmt.Errorf("rendering docker-compose.yml: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("rendering docker-compose.yml: %w", err)
	}
	for name, svc := range p.Services {
		if ports := findPath(&doc, "services", name, "ports"); ports != nil {
			ports.Content = shortPorts(svc.Ports)
		}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("rendering docker-compose.yml: %w", err)
	}
	return b.Bytes(), nil
}

// shortPorts writes each port as [HOST_IP:]PUBLISHED:TARGET[/PROTOCOL].
func shortPorts(ports []types.ServicePortConfig) []*yaml.Node {
	out := make([]*yaml.Node, len(ports))
	for i, p := range ports {
		s := p.Published + ":" + strconv.FormatUint(uint64(p.Target), 10)
		if p.HostIP != "" {
			s = p.HostIP + ":" + s
		}
		if p.Protocol != "" && p.Protocol != "tcp" {
			s += "/" + p.Protocol
		}
		out[i] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
	}
	return out
}

// findPath walks mapping keys from the document root.
func findPath(n *yaml.Node, keys ...string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}
