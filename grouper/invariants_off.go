//go:build !invariants

package grouper

// invariants is off in ordinary builds: the checks it guards are compiled
// out. See invariants.go.
const invariants = false
