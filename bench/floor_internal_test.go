package bench

import (
	"reflect"
	"testing"
)

// TestMedianFloor checks that the reported floor is each figure's median
// over the repeats (ratios included: each repeat's own, not a ratio of
// medians), whatever order the repeats came in.
func TestMedianFloor(t *testing.T) {
	fs := []Floor{
		{Records: 10, DecodeUS: 3, GroupUS: 1, FloorDRGUS: 9, EndToEndDRGUS: 18, RatioDRG: 2.0, GroupRatio: 1.5, AllocsPerRecordDRG: 0.3},
		{Records: 10, DecodeUS: 1, GroupUS: 2, FloorDRGUS: 5, EndToEndDRGUS: 11, RatioDRG: 2.2, GroupRatio: 1.1, AllocsPerRecordDRG: 0.1},
		{Records: 10, DecodeUS: 2, GroupUS: 3, FloorDRGUS: 7, EndToEndDRGUS: 12, RatioDRG: 1.7, GroupRatio: 1.2, AllocsPerRecordDRG: 0.2},
	}
	m := medianFloor(fs)
	want := Floor{Records: 10, DecodeUS: 2, GroupUS: 2, FloorDRGUS: 7, EndToEndDRGUS: 12, RatioDRG: 2.0, GroupRatio: 1.2, AllocsPerRecordDRG: 0.2}
	if m != want {
		t.Errorf("medianFloor = %+v, want %+v", m, want)
	}
	// The median ratio is not the ratio of the medians (12 / 7 = 1.71).
	if m.RatioDRG == m.EndToEndDRGUS/m.FloorDRGUS {
		t.Error("the ratio was recomputed from the medians")
	}
}

// TestFigures checks that Floor.figures lists every float field, each once,
// so that a figure added later is averaged and its median taken too.
func TestFigures(t *testing.T) {
	var f Floor
	seen := map[*float64]bool{}
	for _, p := range f.figures() {
		if seen[p] {
			t.Error("a field listed twice")
		}
		seen[p] = true
	}
	v := reflect.ValueOf(&f).Elem()
	for i := range v.NumField() {
		if fl := v.Field(i); fl.Kind() == reflect.Float64 && !seen[fl.Addr().Interface().(*float64)] {
			t.Errorf("Floor.%s is not in figures", v.Type().Field(i).Name)
		}
	}
}
