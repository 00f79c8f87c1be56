package main

import (
	"slices"
	"testing"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/weights"
)

// TestPricedColumns: what 'drg settle' needs (weights.PricedColumns) is
// what 'drg group' writes with payments: the id, then batch.PaymentColumns.
func TestPricedColumns(t *testing.T) {
	if want := append([]string{"id"}, batch.PaymentColumns...); !slices.Equal(weights.PricedColumns, want) {
		t.Errorf("weights.PricedColumns = %q, want %q", weights.PricedColumns, want)
	}
}
