// Package bench measures what the Apache proxy of the Docker docs recipe
// "Authenticate proxy with apache" costs, against the registry alone and
// against the alternatives the documents offer (issue #6).
//
// Run sets up, on loopback and side by side, the variants of Options.Variants
// (see Variants: the bare registry, the registry's own TLS and htpasswd, the
// docs' nginx recipe, regsetup's recipe and secure profiles rendered by
// app.Init, the secure profile with the directory backend against a
// throw-away slapd (ldap.go), and hand-edited httpd.conf files), then runs every measurement
// (big-image push and pull, many-small-layers push and pull, keep-alive
// latency, throughput with concurrent clients, TLS handshakes) Reps times,
// interleaving the variants, and tears everything down. Results are
// summarised per variant and metric (median, spread and ratio to "direct")
// and written as a text table (WriteTable), JSON (WriteJSON) and a PNG bar
// chart (WritePNG).
//
// RunApply (regsetup-bench --apply) measures changes to a running stack
// instead: for each Apache process model (ModelOneProcess, the old secure
// block, against ModelRendered, the template's), how long a password-file
// change and an httpd.conf change (with a graceful reload) take from init's
// return to being in force, and how many requests of continuous load
// clients fail or stall meanwhile, also with a long upload in flight
// (WriteApplyTable prints the models side by side).
//
// Apache runs natively in private namespaces through internal/stacktest;
// nginx is Debian's binary with a generated config in a temporary prefix.
// Nothing here prints: progress goes to the io.Writer in Options.
package bench
