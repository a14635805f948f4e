//go:build tools

// Package tools pins SeaweedFS as a dependency of this module. It is never
// compiled; scripts/install-seaweedfs.sh builds
// github.com/seaweedfs/seaweedfs/weed from this directory.
package tools

import (
	_ "github.com/seaweedfs/seaweedfs/weed"
)
