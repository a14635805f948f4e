#!/usr/bin/env bash
# install-kube.sh - build a real kube-apiserver, etcd and kubectl once, for the
# Kubernetes tests (server-side dry run, `regsetup up` against an API server).
#
# None of them is packaged for Debian 12 at a usable version, and
# `go install` refuses all three (their modules carry replace directives), so
# they are built from the nested module tools/kube, which repeats the k8s.io/*
# staging replaces. The binaries land in
#
#   $REGSETUP_CACHE_DIR/kube/<key>/{kube-apiserver,etcd,kubectl}
#
# where <key> is the first 12 hex digits of the sha256 of tools/kube/go.mod,
# tools/kube/go.sum and this script's build flags: a version change builds a
# new set, an unchanged module reuses the cached one in a second. The folder
# $REGSETUP_CACHE_DIR/kube/current is a symlink to the set of the pinned
# version; internal/stacktest/kube.go looks there (or in $REGSETUP_KUBE_BIN).
#
# Usage:
#   scripts/install-kube.sh [--force]    # --force: rebuild even when cached
#   scripts/install-kube.sh --print-dir  # print the binaries' folder, build nothing
#
# Cost: about 10 minutes cold on 2 cores (the API server is 119 MB and its
# link step peaks near 2.5 GB of memory), seconds when cached.
#
# Environment: REGSETUP_CACHE_DIR (default /var/cache/regsetup).
set -euo pipefail

force=0 print_dir=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	--print-dir) print_dir=1 ;;
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*)
		echo "install-kube.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/gobuild.sh
. "$script_dir/lib/gobuild.sh"
module_dir="$(cd "$script_dir/../tools/kube" && pwd)"
cache_root="${REGSETUP_CACHE_DIR:-/var/cache/regsetup}/kube"

log() { printf 'install-kube: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

command -v go >/dev/null 2>&1 || die "go is not on PATH"

# The pinned version, read from the module (no network needed).
version="$(pinned_version "$module_dir/go.mod" k8s.io/kubernetes)"
[[ $version =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "cannot read the k8s.io/kubernetes version from $module_dir/go.mod"
minor="${BASH_REMATCH[1]}"

# Version stamps: without them the apiserver calls itself v0.0.0 and kubectl
# warns about the skew on every command.
ldflags_k8s="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
ldflags_k8s="$ldflags_k8s -X k8s.io/client-go/pkg/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
ldflags_etcd="-s -w"

key="$(cat "$module_dir/go.mod" "$module_dir/go.sum" <(printf '%s\n%s\n' "$ldflags_k8s" "$ldflags_etcd") | sha256sum | cut -c1-12)"
dir="$cache_root/$key"
if ((print_dir)); then
	echo "$dir"
	exit 0
fi

have_all() { [[ -x $dir/kube-apiserver && -x $dir/etcd && -x $dir/kubectl ]]; }

if ((force)) || ! have_all; then
	log "building kube-apiserver, etcd and kubectl $version with $(go env GOVERSION) (about 10 minutes cold)"
	start=$SECONDS
	export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
	go_build_into "$dir/kube-apiserver" "$module_dir" k8s.io/kubernetes/cmd/kube-apiserver -ldflags "$ldflags_k8s"
	go_build_into "$dir/kubectl" "$module_dir" k8s.io/kubernetes/cmd/kubectl -ldflags "$ldflags_k8s"
	go_build_into "$dir/etcd" "$module_dir" go.etcd.io/etcd/server/v3 -ldflags "$ldflags_etcd"
	log "built in $((SECONDS - start))s -> $dir"
else
	log "using cached $dir"
fi

ln -sfn "$key" "$cache_root/current"

# Sanity check: each binary runs and reports the pinned version.
# (Output captured first: with pipefail, grep -q closing the pipe early
# would fail the check with the writer's SIGPIPE.)
reported=$("$dir/kube-apiserver" --version 2>&1 || true)
[[ $reported == *"$version"* ]] || die "$dir/kube-apiserver does not report $version (it says: $reported)"
reported=$("$dir/kubectl" version --client 2>&1 || true)
[[ $reported == *"$version"* ]] || die "$dir/kubectl does not report $version (it says: $reported)"
"$dir/etcd" --version >/dev/null || die "$dir/etcd does not run"
log "ready: $("$dir/kube-apiserver" --version), $("$dir/etcd" --version | head -n 1)"
