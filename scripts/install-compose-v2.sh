#!/usr/bin/env bash
# install-compose-v2.sh - build Docker Compose v2 from source and install it
# as a docker CLI plugin, so that `docker compose ...` works.
#
# Compose v2 is not packaged for Debian 12, so it is built from the Go module
# github.com/docker/compose/v2 at the version pinned in tools/compose-v2/go.mod
# (a nested module that also repeats upstream's `exclude` directives, which
# are ignored when compose is only a dependency).
#
# Usage:
#   scripts/install-compose-v2.sh [--force]
#
#   --force   rebuild even if a cached binary for the pinned version exists
#
# Environment (all optional):
#   COMPOSE_PLUGIN_DIR  where to install the plugin
#                       (default: /usr/local/lib/docker/cli-plugins, which is
#                       searched by both /usr/local/bin/docker (v28) and
#                       Debian's /usr/bin/docker (20.10))
#   REGSETUP_CACHE_DIR  binary cache (default: /var/cache/regsetup)
#
# Requirements: Go (>= the `go` line in tools/compose-v2/go.mod) and access to
# the Go module proxy for the first build. Needs write access to the plugin
# and cache directories (normally root).
#
# The first (cold) build takes several minutes on a 2-core machine; later runs
# reuse $REGSETUP_CACHE_DIR/compose-v2/docker-compose-<version>-<os>-<arch>
# and finish in seconds. The script is idempotent: re-running it with the same
# pinned version leaves an identical plugin in place.
#
# To upgrade compose: change the version in tools/compose-v2 (go get
# github.com/docker/compose/v2@vX.Y.Z && go mod tidy), re-copy the exclude /
# replace directives from that version's go.mod, then re-run this script.
# Note: Debian's Compose v1 (/usr/bin/docker-compose) is left untouched.

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
		echo "install-compose-v2.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/gobuild.sh
. "$script_dir/lib/gobuild.sh"
module_dir="$(cd "$script_dir/../tools/compose-v2" && pwd)"
plugin_dir="${COMPOSE_PLUGIN_DIR:-/usr/local/lib/docker/cli-plugins}"
cache_root="${REGSETUP_CACHE_DIR:-/var/cache/regsetup}"
compose_mod="github.com/docker/compose/v2"

log() { printf 'install-compose-v2: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || {
	log "go is not on PATH"
	exit 1
}

# Module-aware settings for the nested tools module. -mod=mod lets go fill in
# go.sum entries if needed; CGO is off like upstream's release builds.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
export CGO_ENABLED=0

# Pinned version, read from tools/compose-v2/go.mod (no network needed).
version="$(pinned_version "$module_dir/go.mod" "$compose_mod")"
if [[ -z "$version" ]]; then
	log "cannot find $compose_mod in $module_dir/go.mod"
	exit 1
fi
goos="$(go env GOOS)"
goarch="$(go env GOARCH)"
cache_dir="$cache_root/compose-v2"
cached_bin="$cache_dir/docker-compose-$version-$goos-$goarch"

if [[ $force -eq 1 || ! -x "$cached_bin" ]]; then
	log "building $compose_mod@$version with $(go env GOVERSION) (takes several minutes cold)"
	start=$SECONDS
	go_build_into "$cached_bin" "$module_dir" "$compose_mod/cmd" -ldflags "-s -w -X $compose_mod/internal.Version=$version"
	log "built in $((SECONDS - start))s -> $cached_bin"
else
	log "using cached $cached_bin"
fi

# Install atomically, and only if it differs (keeps re-runs a no-op).
target="$plugin_dir/docker-compose"
if [[ -f "$target" ]] && cmp -s "$cached_bin" "$target"; then
	log "$target is already $version"
else
	mkdir -p "$plugin_dir"
	install -m 0755 "$cached_bin" "$target.new"
	mv -f "$target.new" "$target"
	log "installed $target ($version)"
fi
chmod 0755 "$target"

# Sanity check: the plugin must answer the CLI's metadata probe, and every
# docker client we know about should now see it.
"$target" docker-cli-plugin-metadata >/dev/null
for docker_bin in /usr/local/bin/docker /usr/bin/docker; do
	[[ -x "$docker_bin" ]] || continue
	if out="$("$docker_bin" compose version 2>&1)"; then
		log "$docker_bin compose version: $out"
	else
		log "WARNING: '$docker_bin compose version' failed: $out"
	fi
done
