# scripts/lib/gobuild.sh - sourced by the install-*.sh scripts that build a
# tool from a pinned nested Go module under tools/ (Compose v2, SeaweedFS,
# kube-apiserver/etcd/kubectl) and cache the binary.

# pinned_version GO_MOD MODULE: prints the version GO_MOD requires of
# MODULE (read from the file: no network), or nothing.
pinned_version() {
	awk -v m="$2" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}

# go_build_into DEST MODULE_DIR PACKAGE [GO BUILD FLAGS...]: builds PACKAGE
# in the module at MODULE_DIR (with -trimpath and the flags, at low CPU
# priority: the setup may run next to other work) into a
# temporary file next to DEST, then renames it onto DEST, mode 0755: an
# interrupted or failed build never leaves a half-written DEST.
go_build_into() {
	local dest=$1 dir=$2 pkg=$3 tmp
	shift 3
	mkdir -p "$(dirname "$dest")"
	tmp=$(mktemp "$(dirname "$dest")/.build.XXXXXX")
	if ! (cd "$dir" && nice -n 10 go build -trimpath "$@" -o "$tmp" "$pkg"); then
		rm -f "$tmp"
		return 1
	fi
	chmod 0755 "$tmp"
	mv -f "$tmp" "$dest"
}
