package spec

import _ "embed"

// Starter is a commented spec to begin from (`regsetup example`).
//
//go:embed starter.yaml
var Starter []byte
