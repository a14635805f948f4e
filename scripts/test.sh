#!/usr/bin/env bash
# scripts/test.sh - run every regsetup test, on a fresh machine too.
#
# It first installs and starts what the tests need (scripts/ci-setup.sh:
# Debian packages, dockerd, /etc/hosts names, the native httpd and the local
# httpd:2.4 and registry:2 images; scripts/install-compose-v2.sh: the Compose
# v2 plugin), then runs go vet, a bounded fuzz run, the benchmarks once each
# as a smoke run, and the whole test suite. Run it as root. Under CI=true (as
# .ci/run sets it) a missing Apache, registry or docker fails the tests
# instead of skipping them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "setup: packages, dockerd, images"
bash scripts/ci-setup.sh
step "setup: the Compose v2 plugin"
bash scripts/install-compose-v2.sh

step "go vet"
go vet ./...

step "fuzz the spec decoder and renderer (bounded)"
go test -run '^$' -fuzz '^FuzzSpecRender$' -fuzztime "${FUZZTIME:-20s}" ./generator

step "benchmarks, once each (a smoke run, not a measurement)"
go test -run '^$' -bench . -benchtime 1x ./...
(cd tools/bench && go vet ./... && go test -count=1 ./... && go run ./cmd/regsetup-bench --quick -q >/dev/null && go run ./cmd/regsetup-bench --apply --quick -q >/dev/null)

# Last, so that the run closes on the test suite's own summary.
step "go test ./... (unit, golden, corpus, native Apache and Compose end-to-end)"
go test -count=1 -timeout 40m ./...
