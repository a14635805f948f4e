// Package verify is regsetup's built-in smoke test: it checks a running
// registry behind an authenticating reverse proxy from the outside, the way a
// client sees it.
//
// Run walks a fixed list of steps (tls, anonymous-challenge, login, push,
// pull, denied-push, anonymous-pull, matrix), times each one and returns a
// Report. Two more run when the caller asks: directory first (a pre-flight
// the caller supplies, Config.Directory) and sign-in after login (the
// declared identities of Config.Users, whose matrix lines then say what
// the spec declares). The access rules come from the caller through the Policy
// interface; this package never reads the YAML spec. It never prints:
// progress goes to an optional callback and the Report is rendered by
// WriteText, WriteJSON or WriteJUnit. Passwords never appear in a Report or
// in a returned error.
//
// A run's trace in the registry is bounded: every run pushes to one tag
// (Config.Tag) an image whose layers are the same bytes every time (a
// registry that has them is sent none) and whose small config is new (so
// the pull must read this run's digest); the matrix's upload POSTs mount a
// pushed layer rather than open upload sessions, and any session a request
// did leave open is cancelled; the previous run's image is deleted where
// the registry allows deletes (Config.Cleanup). Report.Footprint says what
// was uploaded, cancelled and deleted.
package verify
