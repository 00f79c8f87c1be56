//go:build !invariants

package national_test

// invariants mirrors the grouper's build tag (grouper/invariants_off.go).
const invariants = false
