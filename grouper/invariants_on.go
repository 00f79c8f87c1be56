//go:build invariants

package grouper

// invariants turns on the expensive self-checks of invariants.go: build
// with -tags invariants (CI does, for the grouper's tests) to have them.
const invariants = true
