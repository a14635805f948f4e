//go:build tools

// Package tools pins kube-apiserver, etcd and kubectl as dependencies of this
// module. It is never compiled; scripts/install-kube.sh builds the three
// commands from this directory.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
