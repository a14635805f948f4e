// Nested module that pins the OCI distribution-spec conformance suite (it
// has no release tags, so a pseudo-version). Being a separate module, it is
// ignored by `go test ./...` in the main regsetup module.
//
// e2e.TestConformance builds it (go build of the tool below, run in this
// folder) and caches the binary under $REGSETUP_CACHE_DIR/conformance. To
// move to a newer suite: go get -tool
// github.com/opencontainers/distribution-spec/conformance@<pseudo-version>,
// then rerun go test ./e2e -run 'TestConformance$' -update and review
// docs/conformance.md.
module github.com/regsetup/regsetup/tools/conformance

go 1.26

require (
	github.com/goccy/go-yaml v1.18.0 // indirect
	github.com/opencontainers/distribution-spec/conformance v0.0.0-20260831232431-97274622c111 // indirect
	github.com/opencontainers/distribution-spec/specs-go v0.0.0-20240926185104-8376368dd8aa // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
)

tool github.com/opencontainers/distribution-spec/conformance
