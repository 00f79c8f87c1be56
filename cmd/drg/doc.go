// Command drg groups discharge records under CHS-DRG and DIP and computes
// their weights and payments. It is a thin layer over the packages codes,
// grouper, grouper/batch, grouper/store, weights and bench, and the
// synthetic data of internal/synth (drg gen).
//
// Run `drg --help` for the commands and `drg COMMAND --help` for their flags.
//
// Layer: the top. Nothing imports it; it turns flags into library calls
// and results into text.
package main
