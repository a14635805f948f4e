#!/usr/bin/env bash
# images/build.sh - build the local `httpd:2.4` and `registry:2` images (and a
# native Apache httpd under /usr/local/apache2) from Debian packages only.
#
# No container registry is needed: Apache httpd is compiled from the upstream
# tarball shipped inside Debian's `apache2` source package, configured like the
# official httpd:2.4 image; `registry:2` wraps Debian's `docker-registry` binary
# in the official registry:2 layout.  See images/README.md.
#
# Usage: images/build.sh [COMMAND...]          (default: all)
#   deps        print the Debian packages this script needs (one a line)
#   fetch       get the httpd source (apt-get source, private apt config)
#   httpd       compile httpd and cache the installed tree (tarball)
#   native      install the cached build at /usr/local/apache2 on this host
#   image-httpd build the docker image httpd:2.4
#   image-registry  build the docker image registry:2
#   image-slapd build the docker image regsetup-slapd:local (Debian's slapd;
#               a throw-away directory for the tests, on a stack's network)
#   images      image-httpd + image-registry + image-slapd
#   all         native + images
#
# Environment:
#   REGSETUP_CACHE   cache directory (default /var/cache/regsetup)
#   HTTPD_SOURCE     path to an httpd source tarball to use instead of apt
#                    (apache2_X.Y.Z.orig.tar.gz or httpd-X.Y.Z.tar.{gz,bz2});
#                    for air-gapped machines
#   REGSETUP_REFRESH=1  ask apt for a newer apache2 source even when a build is
#                    already cached
#   FORCE=1          rebuild images even if their input hash is unchanged
#   DOCKER           docker client to use (default: docker)
#   HTTPD_IMAGE / REGISTRY_IMAGE / SLAPD_IMAGE   image tags (default httpd:2.4 /
#                    registry:2 / regsetup-slapd:local)
#
# Every step is idempotent: the compile is cached under $REGSETUP_CACHE keyed by
# httpd version, source checksum and build recipe; the native install is
# skipped when /usr/local/apache2/.regsetup-build names the same build; an
# image is skipped when its label org.regsetup.prekey (this script + installed
# Debian package versions + httpd build) matches, and rebuilt only when the
# hash of its root filesystem and Dockerfile (label org.regsetup.inputs)
# changed.  Needs root; the docker daemon only for the image commands.
set -euo pipefail
# Name the command that failed instead of exiting silently.
set -E
trap 'printf "[build.sh] ERROR: line %s: %s failed (exit %s)\n" "$LINENO" "$BASH_COMMAND" "$?" >&2' ERR

CACHE=${REGSETUP_CACHE:-/var/cache/regsetup}
DOCKER=${DOCKER:-docker}
HTTPD_IMAGE=${HTTPD_IMAGE:-httpd:2.4}
REGISTRY_IMAGE=${REGISTRY_IMAGE:-registry:2}
SLAPD_IMAGE=${SLAPD_IMAGE:-regsetup-slapd:local}
PREFIX=/usr/local/apache2
# Bump when the compile/post-install recipe below changes: it is part of the
# cache key of the compiled tree.
RECIPE_REV=1
LABEL_KEY=org.regsetup.inputs

# The official httpd:2.4 image's configure flags (plus dpkg-buildflags below).
CONFIGURE_FLAGS=(--prefix="$PREFIX" --enable-mods-shared=reallyall --enable-mpms-shared=all --enable-pie)

# Debian packages needed to build (httpd build deps as in the official image's
# Dockerfile, Lua 5.4 for mod_lua) and to assemble the images.
DEPS=(
  build-essential dpkg-dev
  libapr1-dev libaprutil1-dev libaprutil1-ldap libldap-common
  libpcre2-dev libssl-dev zlib1g-dev libxml2-dev liblua5.4-dev
  libnghttp2-dev libbrotli-dev libcurl4-openssl-dev libjansson-dev
  ca-certificates openssl base-passwd dash coreutils grep sed findutils netbase
  docker-registry busybox slapd
)

log() { printf '[build.sh] %s\n' "$*" >&2; }
die() { printf '[build.sh] ERROR: %s\n' "$*" >&2; exit 1; }

check_deps() {
  local missing=() p
  for p in "${DEPS[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) || die "missing Debian packages: apt-get install --no-install-recommends ${missing[*]}"
}

# ---------------------------------------------------------------- source ----
# A private apt configuration with deb-src entries; the system's apt sources
# are never touched.
APT_DIR=$CACHE/apt
apt_private() {
  apt-get -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" "$@"
}
apt_private_update() {
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  local kr=/usr/share/keyrings/debian-archive-keyring.gpg
  cat >"$APT_DIR/sources.list" <<EOF
deb-src [signed-by=$kr] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$kr] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$kr] http://deb.debian.org/debian-security bookworm-security main
EOF
  apt_private update -qq
}

# Newest cached source tarball in $CACHE/src, if any.
cached_source() {
  local f
  for f in "$CACHE"/src/apache2_*.orig.tar.gz "$CACHE"/src/httpd-*.tar.{gz,bz2,xz}; do
    if [[ -f $f ]]; then printf '%s\n' "$f"; fi
  done | sort -V | tail -n1
}

# Downloads apache2 source (newest version that is downloadable) into $CACHE/src.
fetch_source() {
  mkdir -p "$CACHE/src"
  apt_private_update
  local versions v tmp
  # Newest first; a version listed in the index may not be on the mirror yet.
  versions=$(apt-cache -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
      -o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" showsrc apache2 \
      | awk '/^Version:/ {print $2}' | sort -u -r -V)
  [[ -n $versions ]] || die "apt knows no apache2 source package"
  for v in $versions; do
    tmp=$(mktemp -d "$CACHE/src/.dl.XXXXXX")
    log "downloading apache2 source $v"
    if (cd "$tmp" && apt_private -qq source --download-only "apache2=$v" >/dev/null 2>"$tmp/.err"); then
      mv "$tmp"/apache2_* "$CACHE/src/"
      rm -rf "$tmp"
      return 0
    fi
    log "apache2 $v not downloadable: $(grep -m1 '^E:' "$tmp/.err" || true)"
    rm -rf "$tmp"
  done
  die "no apache2 source version could be downloaded"
}

# Sets SRC_TARBALL and HTTPD_VERSION.
resolve_source() {
  if [[ -n ${HTTPD_SOURCE:-} ]]; then
    SRC_TARBALL=$HTTPD_SOURCE
  else
    SRC_TARBALL=$(cached_source)
    if [[ -z $SRC_TARBALL || ${REGSETUP_REFRESH:-0} == 1 ]]; then
      fetch_source
      SRC_TARBALL=$(cached_source)
    fi
  fi
  [[ -f $SRC_TARBALL ]] || die "httpd source tarball not found: ${SRC_TARBALL:-none}"
  HTTPD_VERSION=$(basename "$SRC_TARBALL" | sed -E 's/^(apache2_|httpd-)([0-9.]+[0-9])(\.orig)?\.tar\..*/\2/')
  [[ $HTTPD_VERSION =~ ^2\.4\.[0-9]+$ ]] || die "cannot tell the httpd version of $SRC_TARBALL"
}

# ----------------------------------------------------------------- httpd ----
# Sets HTTPD_TARBALL: the cached installed tree (paths usr/local/apache2/...).
httpd_cache_path() {
  local key
  key=$(printf '%s\n' "$RECIPE_REV" "${CONFIGURE_FLAGS[*]}" "$(sha256sum <"$SRC_TARBALL")" | sha256sum | cut -c1-12)
  HTTPD_TARBALL=$CACHE/httpd-$HTTPD_VERSION-$key.tar.gz
}

build_httpd() {
  # Air-gapped shortcut: only a compiled tree was copied into the cache (no
  # source): use the newest one as it is.
  if [[ -z ${HTTPD_SOURCE:-} && -z $(cached_source) && ${REGSETUP_REFRESH:-0} != 1 ]]; then
    local f prebuilt=
    for f in "$CACHE"/httpd-2.4.*-*.tar.gz; do
      if [[ -f $f ]]; then prebuilt=$f; fi
    done
    if [[ -n $prebuilt ]]; then
      HTTPD_TARBALL=$prebuilt
      HTTPD_VERSION=$(basename "$prebuilt" | sed -E 's/^httpd-(2\.4\.[0-9]+)-.*/\1/')
      log "httpd $HTTPD_VERSION: using the copied build $HTTPD_TARBALL (no source in $CACHE/src)"
      return 0
    fi
  fi
  resolve_source
  httpd_cache_path
  if [[ -f $HTTPD_TARBALL ]]; then
    log "httpd $HTTPD_VERSION: cached build $HTTPD_TARBALL"
    return 0
  fi
  check_deps
  log "httpd $HTTPD_VERSION: compiling from $SRC_TARBALL (takes a few minutes)"
  local work
  work=$(mktemp -d "$CACHE/.httpd-build.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/src" "$work/dest"
  tar -xf "$SRC_TARBALL" -C "$work/src" --strip-components=1
  (
    cd "$work/src"
    gnuArch=$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)
    CFLAGS=$(dpkg-buildflags --get CFLAGS)
    CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
    LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
    ./configure --build="$gnuArch" "${CONFIGURE_FLAGS[@]}" \
      CFLAGS="-pipe $CFLAGS" CPPFLAGS="$CPPFLAGS" LDFLAGS="-Wl,--as-needed $LDFLAGS" \
      >"$work/configure.log" 2>&1 || { tail -n 40 "$work/configure.log"; exit 1; }
    make -j "$(nproc)" >"$work/make.log" 2>&1 || { tail -n 40 "$work/make.log"; exit 1; }
    make install DESTDIR="$work/dest" >"$work/install.log" 2>&1 || { tail -n 40 "$work/install.log"; exit 1; }
  )
  local root=$work/dest$PREFIX m
  # Post-install steps of the official image: drop docs, log to stdout/stderr,
  # run as www-data.
  rm -rf "$root/man" "$root/manual"
  sed -ri \
    -e 's!^(\s*CustomLog)\s+\S+!\1 /proc/self/fd/1!g' \
    -e 's!^(\s*ErrorLog)\s+\S+!\1 /proc/self/fd/2!g' \
    -e 's!^(\s*TransferLog)\s+\S+!\1 /proc/self/fd/1!g' \
    -e 's!^(\s*User)\s+daemon\s*$!\1 www-data!g' \
    -e 's!^(\s*Group)\s+daemon\s*$!\1 www-data!g' \
    "$root/conf/httpd.conf" "$root/conf/extra/httpd-ssl.conf"
  grep -qE '^\s*User www-data$' "$root/conf/httpd.conf"
  # The modules the official image has and that need optional libraries.
  for m in mpm_event mpm_worker mpm_prefork log_config logio unixd version watchdog \
           ssl lua http2 proxy_http2 md brotli proxy_html xml2enc ldap authnz_ldap deflate; do
    [[ -f $root/modules/mod_$m.so ]] || die "module mod_$m.so was not built (see $work/configure.log)"
  done
  tar -C "$work/dest" --numeric-owner --owner=0 --group=0 -czf "$HTTPD_TARBALL.tmp" usr
  mv "$HTTPD_TARBALL.tmp" "$HTTPD_TARBALL"
  rm -rf "$work"
  trap - EXIT
  log "httpd $HTTPD_VERSION: cached $HTTPD_TARBALL"
}

# The official image's httpd-foreground.
write_httpd_foreground() {
  cat >"$1" <<'EOF'
#!/bin/sh
set -e

# Apache gets grumpy about PID files pre-existing
rm -f /usr/local/apache2/logs/httpd.pid

exec httpd -DFOREGROUND "$@"
EOF
  chmod 0755 "$1"
}

install_native() {
  build_httpd
  local stamp=$PREFIX/.regsetup-build want
  want=$(basename "$HTTPD_TARBALL")
  if [[ -f $stamp && $(cat "$stamp") == "$want" && -x $PREFIX/bin/httpd ]]; then
    log "native: $PREFIX already holds $want"
  else
    log "native: installing $want at $PREFIX"
    local tmp
    tmp=$(mktemp -d /usr/local/.apache2-new.XXXXXX)
    tar -xzf "$HTTPD_TARBALL" -C "$tmp"
    rm -rf "$PREFIX"
    mv "$tmp$PREFIX" "$PREFIX"
    rm -rf "$tmp"
    echo "$want" >"$stamp"
  fi
  [[ -x /usr/local/bin/httpd-foreground ]] || write_httpd_foreground /usr/local/bin/httpd-foreground
  # Smoke test: the binaries run and the default config parses.
  local out
  # shellcheck disable=SC2015
  out=$("$PREFIX/bin/httpd" -v) && [[ $out == *"Apache/$HTTPD_VERSION"* ]] || die "native httpd -v failed: $out"
  out=$("$PREFIX/bin/httpd" -t 2>&1) || die "native httpd -t failed: $out"
  # shellcheck disable=SC2015,SC2016
  out=$("$PREFIX/bin/htpasswd" -Bbn u p) && [[ $out == 'u:$2y$'* ]] || die "native htpasswd failed: $out"
}

# ---------------------------------------------------------------- rootfs ----
# copy_elf ROOTFS FILE...: copy the shared libraries FILEs need (per ldd), and
# the program interpreter, into ROOTFS at their canonical (/usr merged) paths.
copy_elf_deps() {
  local rootfs=$1; shift
  local f lib dest
  for f in "$@"; do
    # ldd prints "name => /path (addr)", "/lib64/ld-linux... (addr)" or "not a dynamic executable"
    { ldd "$f" 2>/dev/null || true; } | awk '
      /=> not found/ { print "NOTFOUND " $1; next }
      /=> \// { print $3; next }
      /^[ \t]*\// { print $1 }'
  done | sort -u | while read -r lib; do
    [[ $lib == NOTFOUND* ]] && die "library ${lib#NOTFOUND } not found (needed by one of: $*)"
    [[ $lib == "$rootfs"/* ]] && continue   # already inside the rootfs
    dest=$rootfs$(realpath "$(dirname "$lib")")/$(basename "$lib")
    [[ -e $dest ]] && continue
    mkdir -p "$(dirname "$dest")"
    cp -L "$lib" "$dest"
  done
}

# copy_file ROOTFS PATH...: copy host files (dereferenced) at their canonical path.
copy_files() {
  local rootfs=$1 f dest; shift
  for f in "$@"; do
    dest=$rootfs$(realpath "$(dirname "$f")")/$(basename "$f")
    mkdir -p "$(dirname "$dest")"
    cp -L "$f" "$dest"
  done
}

# Debian-like base: /usr-merged layout, dash as /bin/sh, coreutils & co,
# base-passwd users (root 0, daemon 1, www-data 33, ...), nsswitch, CA bundle.
base_rootfs() {
  local r=$1
  mkdir -p "$r"/usr/{bin,sbin,lib,lib64} "$r"/etc "$r"/{dev,proc,sys,run,root,home,mnt,opt,srv} \
    "$r"/var/{cache,lib,log,tmp,spool} "$r"/usr/local/{bin,sbin,lib,share}
  ln -s usr/bin "$r/bin"; ln -s usr/sbin "$r/sbin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"
  ln -s /run "$r/var/run"
  install -d -m 1777 "$r/tmp"
  chmod 1777 "$r/var/tmp"
  chmod 0700 "$r/root"
  # Userland: dash as sh (NOT busybox: its `httpd` applet would shadow Apache),
  # and the ordinary tools a shell in the official Debian-based image has.
  local progs=() p
  for p in $(dpkg -L dash coreutils grep sed findutils | grep -E '^/(usr/)?s?bin/'); do
    [[ -f $p && ! -L $p ]] && progs+=("$p")
  done
  copy_files "$r" "${progs[@]}"
  ln -sf dash "$r/usr/bin/sh"
  # coreutils' /usr/bin/[ is a regular file, the rest symlinks are not needed.
  copy_elf_deps "$r" "${progs[@]}"
  cp /usr/share/base-passwd/passwd.master "$r/etc/passwd"
  cp /usr/share/base-passwd/group.master "$r/etc/group"
  sed -E 's/^([^:]*):[^:]*:.*/\1:*:19000:0:99999:7:::/' "$r/etc/passwd" >"$r/etc/shadow"
  chmod 0640 "$r/etc/shadow"
  # glibc (>= 2.34) has nss files/dns built in; this makes `hosts: files dns`
  # explicit so compose service names resolve via Docker's embedded DNS.
  cat >"$r/etc/nsswitch.conf" <<'EOF'
passwd:         files
group:          files
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files
EOF
  : >"$r/etc/hosts"; : >"$r/etc/resolv.conf"; echo localhost >"$r/etc/hostname"
  copy_files "$r" /etc/protocols /etc/services /etc/host.conf
  # CA certificates and the OpenSSL config, with Debian's /usr/lib/ssl links.
  mkdir -p "$r/etc/ssl/certs" "$r/etc/ssl/private" "$r/usr/lib/ssl"
  cp -L /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"
  cp -L /etc/ssl/openssl.cnf "$r/etc/ssl/"
  ln -s /etc/ssl/certs/ca-certificates.crt "$r/usr/lib/ssl/cert.pem"
  ln -s /etc/ssl/certs "$r/usr/lib/ssl/certs"
  ln -s /etc/ssl/openssl.cnf "$r/usr/lib/ssl/openssl.cnf"
  ln -s /etc/ssl/private "$r/usr/lib/ssl/private"
  echo "NAME=\"regsetup image (Debian $(cat /etc/debian_version) packages)\"" >"$r/etc/os-release"
}

finish_rootfs() {
  local r=$1
  # Lets ld.so find libraries through /etc/ld.so.cache like on Debian.
  cp /etc/ld.so.conf "$r/etc/" 2>/dev/null || true
  [[ -d /etc/ld.so.conf.d ]] && cp -r /etc/ld.so.conf.d "$r/etc/"
  ldconfig -r "$r" 2>/dev/null || true
  rm -f "$r/var/cache/ldconfig/aux-cache"   # holds inode numbers: not reproducible
}

# tar_rootfs ROOTFS OUT: reproducible tarball (sorted, fixed mtime, numeric ids)
# so that its hash only changes when the content does.
tar_rootfs() {
  tar -C "$1" --sort=name --mtime=@946684800 --numeric-owner \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -cf "$2" .
}

# Two labels decide whether an image must be rebuilt:
#  - org.regsetup.prekey: cheap fingerprint of what goes into the image (this
#    script, the httpd build, the versions of all installed Debian packages, the
#    CA bundle), checked BEFORE assembling anything: a no-op run takes a second;
#  - org.regsetup.inputs: hash of the assembled rootfs tarball and Dockerfile.
PREKEY_LABEL=org.regsetup.prekey
prekey() {
  {
    cat "${BASH_SOURCE[0]}"
    printf '%s\n' "$@"
    dpkg-query -W -f='${Package} ${Version} ${Status}\n'
    cat /etc/ssl/certs/ca-certificates.crt /etc/ld.so.conf.d/* 2>/dev/null
  } | sha256sum | cut -c1-20
}
image_label() {
  $DOCKER image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}
# image_fresh TAG PREKEY: true when TAG was built from the same prekey.
image_fresh() {
  [[ ${FORCE:-0} != 1 && $(image_label "$1" "$PREKEY_LABEL") == "$2" ]] || return 1
  log "image $1 is up to date ($PREKEY_LABEL=$2)"
}

# docker_build TAG CONTEXTDIR PREKEY: classic builder (dockerd 20.10 refuses
# `import --change STOPSIGNAL`, and there is no buildx); the docker 28 CLI
# prints a "legacy builder is deprecated" notice, shown only on failure.
docker_build() {
  local tag=$1 ctx=$2 pre=$3 hash out old
  old=$($DOCKER image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  _docker_build "$@"
  # Drop the image this one replaced, unless a container or child uses it.
  if [[ -n $old && $old != $($DOCKER image inspect -f '{{.Id}}' "$tag") ]]; then
    $DOCKER image rm "$old" >/dev/null 2>&1 || true
  fi
}
_docker_build() {
  local tag=$1 ctx=$2 pre=$3 hash out
  hash=$(cat "$ctx/rootfs.tar" "$ctx/Dockerfile" | sha256sum | cut -c1-20)
  if [[ $(image_label "$tag" "$LABEL_KEY") == "$hash" && ${FORCE:-0} != 1 ]]; then
    # Same content, other fingerprint (e.g. an unrelated package changed):
    # only refresh the label; no new layer.
    log "image $tag content unchanged ($LABEL_KEY=$hash); updating $PREKEY_LABEL"
    out=$(printf 'FROM %s\n' "$tag" | DOCKER_BUILDKIT=0 $DOCKER build -q --label "$PREKEY_LABEL=$pre" -t "$tag" - 2>&1) \
      || { printf '%s\n' "$out" >&2; die "docker build of $tag failed"; }
    return 0
  fi
  log "building image $tag ($LABEL_KEY=$hash)"
  out=$(DOCKER_BUILDKIT=0 $DOCKER build -q --label "$LABEL_KEY=$hash" --label "$PREKEY_LABEL=$pre" \
    -t "$tag" "$ctx" 2>&1) || { printf '%s\n' "$out" >&2; die "docker build of $tag failed"; }
}

need_docker() {
  $DOCKER info >/dev/null 2>&1 || die "docker daemon not reachable with '$DOCKER' (start dockerd first, e.g. scripts/ci-setup.sh)"
}

image_httpd() {
  need_docker
  build_httpd
  local pre
  pre=$(prekey "$HTTPD_IMAGE" "$(basename "$HTTPD_TARBALL")")
  image_fresh "$HTTPD_IMAGE" "$pre" && return 0
  check_deps
  local ctx r
  ctx=$(mktemp -d "$CACHE/.img-httpd.XXXXXX"); r=$ctx/rootfs
  # shellcheck disable=SC2064
  trap "rm -rf '$ctx'" EXIT
  base_rootfs "$r"
  tar -xzf "$HTTPD_TARBALL" -C "$r"
  basename "$HTTPD_TARBALL" >"$r$PREFIX/.regsetup-build"
  # The official image: `mkdir -p $HTTPD_PREFIX && chown www-data:www-data $HTTPD_PREFIX`.
  chown 33:33 "$r$PREFIX"
  write_httpd_foreground "$r/usr/local/bin/httpd-foreground"
  # Shared libraries for httpd, every module and every bin tool, plus
  # apr-util's run-time loaded drivers (LDAP as in the official image:
  # libaprutil1-ldap, libldap-common).
  local elfs=() f
  while IFS= read -r f; do
    [[ $(head -c4 "$f") == $'\x7f'ELF ]] && elfs+=("$f")
  done < <(find "$r$PREFIX" -type f)
  local aprdir
  aprdir=$(dirname "$(dpkg -L libaprutil1-ldap | grep -m1 'apr_ldap.*\.so$')")
  copy_files "$r" "$aprdir"/*.so
  elfs+=("$aprdir"/*.so)
  copy_elf_deps "$r" "${elfs[@]}"
  [[ -f /etc/ldap/ldap.conf ]] && copy_files "$r" /etc/ldap/ldap.conf
  # iconv modules (libxml2 in mod_proxy_html/mod_xml2enc converts charsets).
  local gconv
  gconv=$(dirname "$(dpkg -L libc6 | grep -m1 '/gconv/gconv-modules$')")
  mkdir -p "$r$gconv"; cp -a "$gconv"/. "$r$gconv/"
  finish_rootfs "$r"
  tar_rootfs "$r" "$ctx/rootfs.tar"
  cat >"$ctx/Dockerfile" <<EOF
# httpd:2.4 built by regsetup images/build.sh from Debian's apache2 source
FROM scratch
ADD rootfs.tar /
ENV HTTPD_PREFIX=$PREFIX
ENV PATH=$PREFIX/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV HTTPD_VERSION=$HTTPD_VERSION
WORKDIR $PREFIX
STOPSIGNAL SIGWINCH
EXPOSE 80
CMD ["httpd-foreground"]
EOF
  rm -rf "$r"
  docker_build "$HTTPD_IMAGE" "$ctx" "$pre"
  rm -rf "$ctx"; trap - EXIT
}

image_registry() {
  need_docker
  local pre
  pre=$(prekey "$REGISTRY_IMAGE")
  image_fresh "$REGISTRY_IMAGE" "$pre" && return 0
  check_deps
  local ctx r
  ctx=$(mktemp -d "$CACHE/.img-registry.XXXXXX"); r=$ctx/rootfs
  # shellcheck disable=SC2064
  trap "rm -rf '$ctx'" EXIT
  base_rootfs "$r"
  cp /usr/bin/docker-registry "$r/usr/bin/registry"   # /bin/registry via the /bin link
  copy_elf_deps "$r" /usr/bin/docker-registry
  # The official (alpine-based) image has busybox's wget, which the compose
  # healthcheck uses; only the wget applet is linked (no busybox sh here).
  cp -L /bin/busybox "$r/usr/bin/busybox"
  ln -s busybox "$r/usr/bin/wget"
  copy_elf_deps "$r" /bin/busybox
  mkdir -p "$r/etc/docker/registry" "$r/var/lib/registry"
  # The official image's config (distribution's cmd/registry/config-example.yml).
  cat >"$r/etc/docker/registry/config.yml" <<'EOF'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
  # The official image's docker-entrypoint.sh.
  cat >"$r/entrypoint.sh" <<'EOF'
#!/bin/sh

set -e

case "$1" in
    *.yaml|*.yml) set -- registry serve "$@" ;;
    serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac

exec "$@"
EOF
  chmod 0755 "$r/entrypoint.sh"
  finish_rootfs "$r"
  tar_rootfs "$r" "$ctx/rootfs.tar"
  cat >"$ctx/Dockerfile" <<EOF
# registry:2 built by regsetup images/build.sh from Debian's docker-registry $(dpkg-query -W -f='${Version}' docker-registry)
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VOLUME ["/var/lib/registry"]
EXPOSE 5000
ENTRYPOINT ["/entrypoint.sh"]
CMD ["/etc/docker/registry/config.yml"]
EOF
  rm -rf "$r"
  docker_build "$REGISTRY_IMAGE" "$ctx" "$pre"
  rm -rf "$ctx"; trap - EXIT
}

# A directory server for the tests, from Debian's slapd: the image holds
# slapd, its modules and schemas; the test mounts a folder at /ldap with
# slapd.conf, the certificates and, per database N, dbN.ldif and dbN.suffix
# (internal/stacktest WriteLDAPFolder). The entrypoint loads every dbN.ldif
# into its (empty) folder /ldap/dbN, then runs slapd in the foreground on
# the container's ports 389 (LDAP, StartTLS) and 636 (LDAPS), never the host's.
image_slapd() {
  need_docker
  local pre
  pre=$(prekey "$SLAPD_IMAGE")
  image_fresh "$SLAPD_IMAGE" "$pre" && return 0
  check_deps
  local ctx r
  ctx=$(mktemp -d "$CACHE/.img-slapd.XXXXXX"); r=$ctx/rootfs
  # shellcheck disable=SC2064
  trap "rm -rf '$ctx'" EXIT
  base_rootfs "$r"
  copy_files "$r" /usr/sbin/slapd
  ln -s slapd "$r/usr/sbin/slapadd"   # slapd's tools are the same binary, by name
  mkdir -p "$r/usr/lib/ldap" "$r/etc/ldap"
  cp -a /usr/lib/ldap/. "$r/usr/lib/ldap/"
  cp -a /etc/ldap/schema "$r/etc/ldap/"
  local elfs=(/usr/sbin/slapd) f
  for f in /usr/lib/ldap/*.so.*; do
    [[ -f $f && ! -L $f ]] && elfs+=("$f")
  done
  copy_elf_deps "$r" "${elfs[@]}"
  cat >"$r/usr/local/bin/slapd-foreground" <<'EOF'
#!/bin/sh
set -e
cd /ldap
for ldif in db*.ldif; do
  [ -e "$ldif" ] || continue
  db=${ldif%.ldif}
  mkdir -p "$db"
  if [ -z "$(ls "$db")" ]; then
    slapadd -f slapd.conf -b "$(cat "$db.suffix")" -l "$ldif"
  fi
done
exec slapd -d 256 -f /ldap/slapd.conf -h "ldap:/// ldaps:///"
EOF
  chmod 0755 "$r/usr/local/bin/slapd-foreground"
  finish_rootfs "$r"
  tar_rootfs "$r" "$ctx/rootfs.tar"
  cat >"$ctx/Dockerfile" <<EOF
# regsetup-slapd built by regsetup images/build.sh from Debian's slapd $(dpkg-query -W -f='${Version}' slapd)
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 389 636
CMD ["slapd-foreground"]
EOF
  rm -rf "$r"
  docker_build "$SLAPD_IMAGE" "$ctx" "$pre"
  rm -rf "$ctx"; trap - EXIT
}

main() {
  (($# > 0)) || set -- all
  mkdir -p "$CACHE"
  local cmd
  for cmd in "$@"; do
    case $cmd in
      deps) printf '%s\n' "${DEPS[@]}" ;;
      fetch) fetch_source ;;
      httpd) build_httpd ;;
      native) install_native ;;
      image-httpd) image_httpd ;;
      image-registry) image_registry ;;
      image-slapd) image_slapd ;;
      images) image_httpd; image_registry; image_slapd ;;
      all) install_native; image_httpd; image_registry; image_slapd ;;
      -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
      *) die "unknown command: $cmd (try --help)" ;;
    esac
  done
}

main "$@"
