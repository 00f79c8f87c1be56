package national

import (
	"testing"

	"github.com/medpay/drg/grouper"
)

// TestIsCombined: every way of meeting the condition must test a diagnosis
// and a procedure, or two procedure lists; two diagnosis tests are not
// combined (found in review: counting any two tests would have moved such
// a medical ADRG, and QY with it, ahead of the surgical ones).
func TestIsCombined(t *testing.T) {
	for cond, want := range map[string]bool{
		"pdx in zd AND main_proc in ss":                                                           true,
		"any_proc in ss AND any_proc in ss1":                                                      true,
		"(any_sdx in ozd OR any_proc in proc_1) AND any_proc in proc_2":                           true,
		"(pdx in zd AND main_proc in ss) OR (pdx in zd_2 AND any_sdx in ozd AND main_proc in ss)": true,
		"pdx in zd AND any_sdx in ozd":                                                            false,
		"main_proc in ss":                                                                         false,
		"(pdx in zd AND main_proc in ss) OR main_proc in ss_2":                                    false,
		"main_proc_count > 0":                                                                     false,
		"pdx in zd AND age_days < 29 AND NOT any_proc in ss":                                      false,
	} {
		e, err := grouper.ParseExpr(cond)
		if err != nil {
			t.Fatal(err)
		}
		if got := isCombined(e); got != want {
			t.Errorf("isCombined(%q) = %t, want %t", cond, got, want)
		}
	}
}
