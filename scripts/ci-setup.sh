#!/usr/bin/env bash
# scripts/ci-setup.sh - prepare this machine for regsetup's tests (run as root).
#
# Called first by .ci/run; safe to run by hand any number of times. On a fresh
# Debian 12 machine it:
#   1. installs the Debian packages the tests and images/build.sh need
#      (skipped when they are all installed already);
#   2. starts dockerd in the background if `docker info` fails (log:
#      /var/log/dockerd.log), overlay2 first, vfs as a fallback;
#   3. adds "127.0.0.1 myregistrydomain.com registry" style lines to
#      /etc/hosts for names that do not resolve there yet;
#   4. runs images/build.sh all: the native httpd at /usr/local/apache2 and the
#      local images httpd:2.4, registry:2 and regsetup-slapd:local (cached
#      under /var/cache/regsetup);
#   5. scripts/install-seaweedfs.sh: weed, the S3 server of the S3 tests;
#   6. scripts/install-kube.sh: kube-apiserver, etcd and kubectl for the
#      Kubernetes tests (both built from Go modules once, then cached).
#
# Environment: DOCKERD_FLAGS (extra dockerd flags), DOCKERD_TIMEOUT (seconds,
# default 60), REGSETUP_HOSTS (default "myregistrydomain.com registry"),
# SKIP_IMAGES=1 (stop after step 3).
set -euo pipefail
set -E
trap 'printf "[ci-setup] ERROR: line %s: %s failed (exit %s)\n" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$here/../images/build.sh
start=$SECONDS

log() { printf '[ci-setup %3ds] %s\n' "$((SECONDS - start))" "$*" >&2; }
die() { printf '[ci-setup] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root"

# ------------------------------------------------------------ 1. packages ----
packages=(
  apache2 apache2-utils docker-registry docker.io docker-compose nginx
  openssl curl iproute2 util-linux ca-certificates iptables procps
  slapd ldap-utils  # the throw-away directory of the LDAP tests (internal/stacktest/ldap.go)
)
mapfile -t -O "${#packages[@]}" packages < <("$build" deps)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  # A failing third-party list must not stop us: Debian's mirror is what we need.
  apt-get update -qq || log "apt-get update reported errors (continuing)"
  # Do not let package scripts start apache2/nginx/docker: we start what we need.
  policy_rc=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy_rc ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy_rc"; chmod 755 "$policy_rc"; created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/var/log/regsetup-apt.log 2>&1 \
    || { tail -n 30 /var/log/regsetup-apt.log; die "apt-get install failed (log: /var/log/regsetup-apt.log)"; }
  ((created_policy)) && rm -f "$policy_rc"
  log "packages installed"
else
  log "packages: all ${#packages[@]} already installed"
fi

# -------------------------------------------------------------- 2. dockerd ----
# `docker` may be the docker 28 CLI in /usr/local/bin; it negotiates the API
# down to dockerd 20.10 (API 1.41). docker-compose 1.29 talks to the API itself.
docker_ok() { timeout 10 docker info >/dev/null 2>&1; }

# start_dockerd FLAGS...: start dockerd and wait for it; 0 when it answers.
start_dockerd() {
  log "starting dockerd $*"
  # Detached from this script's process group so it survives our exit.
  setsid nohup dockerd "$@" >>/var/log/dockerd.log 2>&1 </dev/null &
  local pid=$! deadline=$((SECONDS + ${DOCKERD_TIMEOUT:-60}))
  while ((SECONDS < deadline)); do
    docker_ok && { log "dockerd up (pid $pid)"; return 0; }
    kill -0 "$pid" 2>/dev/null || { log "dockerd exited: $(tail -n 3 /var/log/dockerd.log)"; return 1; }
    sleep 1
  done
  log "dockerd did not answer in time; stopping pid $pid"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}

if docker_ok; then
  log "dockerd already running"
else
  read -r -a flags <<<"${DOCKERD_FLAGS:-}"
  # overlay2 works in this sandbox (ext4 backing fs); vfs is slow but works anywhere.
  start_dockerd "${flags[@]}" \
    || start_dockerd --storage-driver=vfs "${flags[@]}" \
    || die "could not start dockerd (see /var/log/dockerd.log)"
fi
log "docker storage driver: $(docker info -f '{{.Driver}}' 2>/dev/null)"

# ---------------------------------------------------------------- 3. hosts ----
for name in ${REGSETUP_HOSTS:-myregistrydomain.com registry}; do
  if ! awk -v n="$name" '!/^[[:space:]]*#/ { for (i = 2; i <= NF; i++) if ($i == n) found = 1 } END { exit !found }' /etc/hosts; then
    echo "127.0.0.1 $name" >>/etc/hosts
    log "/etc/hosts: added 127.0.0.1 $name"
  fi
done

# --------------------------------------------------------------- 4. images ----
if [[ ${SKIP_IMAGES:-0} != 1 ]]; then
  "$build" all
fi
"$here/install-seaweedfs.sh" # 5. weed, the S3 server of the S3 storage tests (cached under /var/cache/regsetup/seaweedfs)
bash "$here/install-kube.sh" # 6. kube-apiserver, etcd, kubectl for the Kubernetes tests (built once, cached)
log "done"
