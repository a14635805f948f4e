// Package stacktest runs the real Apache httpd and the real registry natively
// on loopback, without containers, so tests can exercise a rendered OUT folder
// (OUT/auth/httpd.conf and friends) exactly as the httpd:2.4 container would.
//
// Apache runs from /usr/local/apache2 (an upstream build, as in the official
// image) inside a private mount namespace in which OUT/auth is bind-mounted
// over /usr/local/apache2/conf, a private temporary directory over
// /usr/local/apache2/logs, a private hosts file over /etc/hosts that maps
// "registry" to the stack's own registry address, and OUT/data read-only over
// /var/lib/registry (the registry container's data path, from which the
// rendered config serves blobs; the empty mount point is made on the
// machine the first time). The registry is Debian's
// docker-registry, listening on 127.0.0.N:5000 with a loopback address N
// chosen per stack, and storing its data in OUT/data.
//
// Apache listens on the port of the config's Listen directive on all
// addresses, so two stacks with the same port cannot run at once: tests that
// run in parallel (or in parallel packages) must render configs with distinct
// ports. Start fails with a clear message when the port is already in use.
//
// For the S3 storage path (s3*.go): StartS3 runs SeaweedFS's weed mini, a
// real S3 server with SigV4 credentials, on free loopback ports (over TLS
// with a private CA on request), StartS3Container runs it in the local
// image seaweedfs:local, StartReplica runs docker-registry from a given
// config (without AWS_CA_BUNDLE, which makes 2.8's s3 driver panic), and
// StartFront runs Apache in front of an address the test serves
// (BackendListener), e.g. a balancer over several replicas.
//
// Everything needs root (mount and PID namespaces). Require skips the test
// when the tools are missing, except under CI=true, where it fails instead.
package stacktest
