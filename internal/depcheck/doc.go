// Package depcheck pins which packages may import which: its tests fail
// when a product package takes on an import that breaks the one-way flow
// spec → model → generator → output folder → deploy → verify, when a
// library imports a test tool, or when the command grows logic or the
// benchmark's dependencies. It holds no code the product uses.
package depcheck
