//go:build tools

// Package tools pins the Docker Compose v2 CLI plugin as a dependency of this
// module. It is never compiled; scripts/install-compose-v2.sh builds
// github.com/docker/compose/v2/cmd from this directory.
package tools

import (
	_ "github.com/docker/compose/v2/cmd"
)
