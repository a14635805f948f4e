#!/usr/bin/env bash
# scripts/bench.sh - run regsetup-bench at full size (1 GiB image, 3
# repetitions, all variants) and keep the results in tools/bench/results/:
# <date>.json (every sample), <date>.png (bar chart) and <date>.md (summary
# table). Extra arguments go to regsetup-bench (e.g. --reps 5, --conf FILE).
# Needs root, /usr/local/apache2, docker-registry and nginx (scripts/ci-setup.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=tools/bench/results
mkdir -p "$out"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd tools/bench && go build -o "$bin/regsetup-bench" ./cmd/regsetup-bench)
if ! "$bin/regsetup-bench" --json "$out/$stamp.json" --png "$out/$stamp.png" --md "$out/$stamp.md" "$@" | tee "$out/$stamp.txt"; then
  rm -f "$out/$stamp".*
  exit 1
fi
printf 'results: %s/%s.{json,png,md,txt}\n' "$out" "$stamp" >&2
