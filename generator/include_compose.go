package generator

import (
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/regsetup/regsetup/model"
)

// registrySocketDir is where the registry's socket folder is mounted in
// its container.
const registrySocketDir = "/run/regsetup"

// includeProject is the registry alone, for an existing Apache: no
// network at all (network_mode none: no TCP port, not even on the Compose
// network), listening on a unix socket in ./run, which `up` makes a
// folder of the Apache group with mode 2750. umask 007 makes the socket
// srwxrwx---; the folder's set-group-id bit gives it the Apache group.
// The registry removes a stale socket when it starts.
func includeProject(m *model.Model) *types.Project {
	unix, addr := "unix", registrySocketDir+"/registry.sock"
	registry := types.ServiceConfig{
		Name: "registry",
		ContainerSpec: types.ContainerSpec{
			Image:       m.RegistryImage,
			NetworkMode: "none",
			Command:     types.ShellCommand{"sh", "-c", "umask 007 && exec registry serve /etc/docker/registry/config.yml"},
			Environment: types.MappingWithEquals{"REGISTRY_HTTP_NET": &unix, "REGISTRY_HTTP_ADDR": &addr},
			Volumes: []types.ServiceVolumeConfig{
				bind("./data", RegistryDataDir),
				bind("./"+model.SocketDir, registrySocketDir),
			},
		},
	}
	registry.Restart = types.RestartPolicyUnlessStopped
	return &types.Project{Services: types.Services{"registry": registry}}
}
