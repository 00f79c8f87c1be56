package weights

import (
	"bytes"
	_ "embed"
)

//go:embed sample_policy.json
var samplePolicy []byte

// SamplePolicy returns the embedded SAMPLE policy (sample_policy.json): a
// self-authored demo, not any region's policy. Its rows are described in the
// package documentation.
func SamplePolicy() (*Policy, error) { return ReadPolicy(bytes.NewReader(samplePolicy)) }

// SamplePolicyJSON returns the embedded sample policy file.
func SamplePolicyJSON() []byte { return bytes.Clone(samplePolicy) }
