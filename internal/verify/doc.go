// Package verify is regsetup's built-in smoke test: it checks a running
// registry behind an authenticating reverse proxy from the outside, the way a
// client sees it.
//
// Run walks a fixed list of steps (tls, anonymous-challenge, login, push,
// pull, denied-push, anonymous-pull, matrix), times each one and returns a
// Report. The access rules come from the caller through the Policy
// interface; this package never reads the YAML spec. It never prints:
// progress goes to an optional callback and the Report is rendered by
// WriteText, WriteJSON or WriteJUnit. Passwords never appear in a Report or
// in a returned error.
package verify
