// Package depcheck pins the codebase's structure. Its tests fail when a
// product package takes on an import that breaks the one-way flow
// spec → model → generator → output folder → deploy → verify, when a
// library imports a test tool, when the command grows logic or the
// benchmark's dependencies, or when fmt.Errorf prints an error with %v
// instead of wrapping it with %w. It holds no code the product uses.
package depcheck
