#!/usr/bin/env bash
# install-seaweedfs.sh - build SeaweedFS's `weed` (a real S3 server with
# credentials, Apache-2.0) from its Go module, once, for the S3 storage tests.
#
# No S3 server is packaged for Debian 12, so `weed` is built from the Go module
# github.com/seaweedfs/seaweedfs at the version pinned in tools/seaweedfs/go.mod
# (a nested module that repeats upstream's `replace` directive, which is
# ignored when SeaweedFS is only a dependency).
#
# Usage:
#   scripts/install-seaweedfs.sh [--force]
#
#   --force   rebuild even if a cached binary for the pinned version exists
#
# Environment (all optional):
#   WEED_BIN            where to symlink the binary (default: /usr/local/bin/weed)
#   REGSETUP_CACHE_DIR  binary cache (default: /var/cache/regsetup)
#   WEED_IMAGE          image tag (default: seaweedfs:local)
#   DOCKER              docker client (default: docker)
#
# The first (cold) build downloads about 3.6 GB of modules and compiles for
# about 5 minutes on 2 cores (peak 2.2 GB RSS); later runs reuse
# $REGSETUP_CACHE_DIR/seaweedfs/weed-<version>-<os>-<arch> and finish at once.
# The tests find the binary at /usr/local/bin/weed (internal/stacktest/s3.go).
#
# When a docker daemon answers, it also builds the local image
# seaweedfs:local (FROM scratch: the static binary, /tmp and /data; the
# entrypoint is weed), for tests that run the S3 server in a container next
# to the stack's (internal/stacktest/s3_container.go). It is rebuilt only
# when its label org.regsetup.weed names another version. No docker: skipped.
#
# To upgrade: change the version in tools/seaweedfs (go get
# github.com/seaweedfs/seaweedfs@<pseudo-version> && go mod tidy), re-copy the
# replace directives from that version's go.mod, then re-run this script.

set -euo pipefail

force=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*)
		echo "install-seaweedfs.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/gobuild.sh
. "$script_dir/lib/gobuild.sh"
module_dir="$(cd "$script_dir/../tools/seaweedfs" && pwd)"
link="${WEED_BIN:-/usr/local/bin/weed}"
cache_root="${REGSETUP_CACHE_DIR:-/var/cache/regsetup}"
weed_mod="github.com/seaweedfs/seaweedfs"

log() { printf 'install-seaweedfs: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || {
	log "go is not on PATH"
	exit 1
}

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
export CGO_ENABLED=0

version="$(pinned_version "$module_dir/go.mod" "$weed_mod")"
if [[ -z "$version" ]]; then
	log "cannot find $weed_mod in $module_dir/go.mod"
	exit 1
fi
goos="$(go env GOOS)"
goarch="$(go env GOARCH)"
cache_dir="$cache_root/seaweedfs"
cached_bin="$cache_dir/weed-$version-$goos-$goarch"

if [[ $force -eq 1 || ! -x "$cached_bin" ]]; then
	log "building $weed_mod/weed@$version with $(go env GOVERSION) (about 7 minutes cold)"
	start=$SECONDS
	go_build_into "$cached_bin" "$module_dir" "$weed_mod/weed" -ldflags "-s -w"
	log "built in $((SECONDS - start))s -> $cached_bin"
else
	log "using cached $cached_bin"
fi

# A symlink: the 164 MB binary stays in the cache only.
if [[ "$(readlink "$link" 2>/dev/null)" == "$cached_bin" ]]; then
	log "$link is already $version"
else
	mkdir -p "$(dirname "$link")"
	ln -sfn "$cached_bin" "$link"
	log "linked $link -> $cached_bin"
fi

# Sanity check: the binary runs and names its version.
log "$("$link" version 2>&1 | head -n 1)"

image="${WEED_IMAGE:-seaweedfs:local}"
docker="${DOCKER:-docker}"
if ! timeout 10 "$docker" info >/dev/null 2>&1; then
	log "no docker daemon: image $image not built"
	exit 0
fi
if [[ $force -eq 0 && "$("$docker" image inspect -f '{{index .Config.Labels "org.regsetup.weed"}}' "$image" 2>/dev/null)" == "$version" ]]; then
	log "image $image is already $version"
	exit 0
fi
ctx="$(mktemp -d "$cache_dir/.image.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
ln "$cached_bin" "$ctx/weed" 2>/dev/null || cp "$cached_bin" "$ctx/weed"
mkdir -p "$ctx/rootfs/tmp" "$ctx/rootfs/data"
chmod 1777 "$ctx/rootfs/tmp"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
COPY weed /usr/bin/weed
ENTRYPOINT ["/usr/bin/weed"]
DOCKERFILE
# The classic builder: dockerd 20.10 has no buildx.
out=$(DOCKER_BUILDKIT=0 "$docker" build -q --label "org.regsetup.weed=$version" -t "$image" "$ctx" 2>&1) || {
	printf '%s\n' "$out" >&2
	log "docker build of $image failed"
	exit 1
}
log "built image $image ($version)"
