//go:build invariants

package national_test

// invariants mirrors the grouper's build tag (grouper/invariants_on.go):
// under it Group also runs the traced full walk, which allocates.
const invariants = true
