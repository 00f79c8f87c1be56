// Package lint holds the repository's structural checks, as tests: which
// package may import which (the layers in layers_test.go), and which
// package alone may use each third-party module. It has no code of its
// own; 'go test ./internal/lint' runs the checks, and they run with every
// 'go test ./...'.
//
// A new package must be placed on a layer in layers_test.go before its
// first test run passes: where a package sits is a decision, written down
// once, not a consequence of whatever it happens to import.
package lint
