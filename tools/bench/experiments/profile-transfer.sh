#!/usr/bin/env bash
# profile-transfer.sh MODE TOOL OUT [bench args...]: runs regsetup-bench on
# one variant (default regsetup-secure) and, from the end of the first
# repetition until the run ends, profiles every process it started (Apache,
# registry, the Go client) with TOOL: "perf" (perf record -g, then perf
# report by command and by symbol) or "strace" (strace -c -f on the httpd
# tree only). MODE "pull" repeats a 1 GiB single-client pull of the image
# pushed at setup; "push" repeats 1 GiB pushes of 4 layers. VARIANTS
# replaces regsetup-secure (e.g. VARIANTS=direct with --conf FILE).
set -euo pipefail
mode=$1 tool=$2 out=$3; shift 3
cd "$(dirname "$0")/.."
go build -o /tmp/regsetup-bench-prof ./cmd/regsetup-bench
case $mode in
pull) args=(--metrics fleet-pull --fleet-clients 1 --fleet-size 1G --reps 8) ;;
push) args=(--metrics push-big --size 1G --reps 5) ;;
*) echo "mode: pull or push" >&2; exit 2 ;;
esac
log=$out.progress
/tmp/regsetup-bench-prof --variants "${VARIANTS:-regsetup-secure}" "${args[@]}" "$@" >"$out.table" 2>"$log" &
bench=$!
until grep -q '^rep 1/' "$log" 2>/dev/null; do
	kill -0 $bench 2>/dev/null || { cat "$log" >&2; exit 1; }
	sleep 0.2
done
descendants() { # pid: its descendants (not itself)
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done
}
pids=$(descendants $bench | sort -u)
case $tool in
perf)
	perf record -F 499 -g -o "$out.data" -p "$(echo $bench $pids | tr ' ' ,)" 2>"$out.perf.log" &
	rec=$!
	wait $bench || true
	kill -INT $rec 2>/dev/null || true
	wait $rec || true
	perf report -i "$out.data" --no-children --sort comm,dso --stdio 2>/dev/null | grep -v '^$' | head -60 >"$out.by-dso.txt"
	perf report -i "$out.data" --no-children --sort comm,sym --stdio -g none 2>/dev/null | grep -v '^$' | head -80 >"$out.by-sym.txt"
	;;
strace)
	httpd=$(for p in $pids; do [ "$(cat /proc/$p/comm)" = httpd ] && ls /proc/$p/task; done | sort -u)
	strace -c -f -o "$out.strace.txt" $(printf -- '-p %s ' $httpd) &
	st=$!
	wait $bench || true
	kill -INT $st 2>/dev/null || true
	wait $st || true
	;;
esac
cat "$out.table"
