package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/medpay/drg/bench"
)

// TestBenchFloor runs drg bench small, as a child process, and checks that
// its floor is complete and consistent: every stage measured, the sums
// adding up, the end-to-end CPU above the floor (a pipeline cannot cost
// less than its stages), and the table printed.
func TestBenchFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and groups records end to end")
	}
	exe := buildDRG(t)
	dir := t.TempDir()
	js := filepath.Join(dir, "bench.json")
	code, out, errOut := drg(t, "", "bench", "--records", "20000", "--repeats", "1", "--reference-records", "200",
		"--determinism=false", "--json", js, "--dir", dir, "--exe", exe)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "end to end over the floor")
	b, err := os.ReadFile(js)
	require.NoError(t, err)
	var r bench.Report
	require.NoError(t, json.Unmarshal(b, &r))
	f := r.Floor
	assert.Equal(t, 20000, f.Records, "every figure is per input record, as the end-to-end run's")
	for name, v := range map[string]float64{"decode": f.DecodeUS, "split": f.SplitUS, "encode": f.EncodeDRGUS, "encode paid": f.EncodePaidUS,
		"group": f.GroupUS, "price": f.PriceUS, "end to end": f.EndToEndDRGUS, "end to end paid": f.EndToEndPaidUS} {
		assert.Greater(t, v, 0.0, name)
	}
	assert.InDelta(t, f.DecodeUS+f.SplitUS+f.EncodeDRGUS+f.GroupUS, f.FloorDRGUS, 1e-9)
	assert.InDelta(t, f.DecodeUS+f.SplitUS+f.EncodePaidUS+f.GroupUS+f.PriceUS, f.FloorPaidUS, 1e-9)
	assert.Greater(t, f.RatioDRG, 1.0)
	assert.InDelta(t, f.EndToEndDRGUS/f.FloorDRGUS, f.RatioDRG, 1e-9)
	// Grouping inside the pipeline and the allocations (the child's
	// --stats-json; at 20 000 records the run's fixed allocations weigh
	// more than its records': grouper/batch TestRunAllocationsPerRecord
	// holds the marginal figure).
	assert.Contains(t, out, "grouping in the pipeline")
	if runtime.GOOS == "linux" {
		assert.Greater(t, f.PipelineGroupUS, 0.0)
		assert.InDelta(t, f.PipelineGroupUS/f.GroupUS, f.GroupRatio, 1e-9)
		assert.Less(t, f.PipelineGroupUS, f.EndToEndDRGUS)
	}
	assert.Greater(t, f.AllocsPerRecordDRG, 0.0)
	// The floor with every CPU busy: complete, its sums adding up, the
	// same end-to-end runs over it.
	require.NotNil(t, f.Busy)
	b2 := f.Busy
	assert.Greater(t, b2.GroupUS, 0.0)
	assert.InDelta(t, b2.DecodeUS+b2.SplitUS+b2.EncodeDRGUS+b2.GroupUS, b2.FloorDRGUS, 1e-9)
	assert.Equal(t, f.EndToEndDRGUS, b2.EndToEndDRGUS)
	assert.InDelta(t, b2.EndToEndDRGUS/b2.FloorDRGUS, b2.RatioDRG, 1e-9)
	assert.Nil(t, b2.Busy)
}
