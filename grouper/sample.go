package grouper

import (
	"embed"
	"io/fs"
)

//go:embed sample/*.tsv
var sampleFiles embed.FS

// SampleFS returns the tables of the embedded sample rule set. The sample is
// self-authored for demos and tests, with real ICD-10 and ICD-9-CM-3 codes; it
// is not the official CHS-DRG scheme or any region's.
func SampleFS() fs.FS {
	sub, err := fs.Sub(sampleFiles, "sample")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// SampleName is the name of the embedded sample rule set.
const SampleName = "sample"

// Sample reads the embedded sample rule set. It is checked by the package
// tests, so an error here is a build defect.
func Sample() (*RuleSet, error) {
	rs, _, err := ReadTables(SampleFS())
	return rs, err
}
