package weights

import (
	"fmt"
	"math"
	"sort"
)

// CaseStatus says how a case took part in a settlement.
type CaseStatus uint8

// Settlement case statuses.
const (
	CasePooled  CaseStatus = iota // paid from the point pool: SettlementPoints × point value
	CaseFixed                     // paid its fixed price, outside the pool
	CaseSkipped                   // unpaid by Compute, or of another scheme: settled 0
)

func (s CaseStatus) String() string {
	switch s {
	case CasePooled:
		return "pooled"
	case CaseFixed:
		return "fixed"
	}
	return "skipped"
}

// Settlement accumulates computed payments for year-end settlement (年度清算).
// It is not safe for concurrent use; feed it from one goroutine.
type Settlement struct {
	scheme Scheme
	hosp   map[string]int32
	ids    []string
	cases  []settleCase
}

type settleCase struct {
	hosp       int32
	status     CaseStatus
	group      string
	points     float64
	sp         float64
	amount     float64
	baseWeight float64
	drg        bool
}

// NewSettlement returns an empty settlement.
func NewSettlement() *Settlement {
	return &Settlement{hosp: map[string]int32{}}
}

// Add records one case of hospitalID. The first paid case fixes the
// settlement's scheme; paid cases of the other scheme, and unpaid cases
// (p.Reason != ""), are kept as skipped and settle at 0. Add copies what it
// needs from p.
func (s *Settlement) Add(hospitalID string, p *Payment) {
	hi, ok := s.hosp[hospitalID]
	if !ok {
		hi = int32(len(s.ids))
		s.hosp[hospitalID] = hi
		s.ids = append(s.ids, hospitalID)
	}
	c := settleCase{hosp: hi, group: p.Group, points: p.Points, sp: p.SettlementPoints, amount: p.Amount, baseWeight: p.BaseWeight, drg: p.Scheme == DRG}
	switch {
	case p.Reason != "" || !p.Scheme.valid():
		c.status = CaseSkipped
	case s.scheme != 0 && p.Scheme != s.scheme:
		c.status = CaseSkipped
	case p.FixedPrice:
		c.status = CaseFixed
	default:
		c.status = CasePooled
	}
	if c.status != CaseSkipped && s.scheme == 0 {
		s.scheme = p.Scheme
	}
	s.cases = append(s.cases, c)
}

// Len returns the number of cases added.
func (s *Settlement) Len() int { return len(s.cases) }

// SettledCase is one case of a SettlementReport.
type SettledCase struct {
	HospitalID       string
	Group            string
	Status           CaseStatus
	Points           float64 // Payment.Points
	SettlementPoints float64 // Payment.SettlementPoints (0 unless pooled)
	Computed         float64 // Payment.Amount
	Settled          float64 // yuan, to the cent
}

// HospitalSettlement sums one hospital's cases.
type HospitalSettlement struct {
	HospitalID       string
	Cases            int     // settled cases (pooled and fixed-price)
	Skipped          int     // unpaid or other-scheme cases
	Points           float64 // Σ Points of settled cases
	SettlementPoints float64 // Σ SettlementPoints
	Computed         float64 // Σ Compute amounts of settled cases
	Amount           float64 // Σ settled amounts
	DRGCases         int     // settled DRG cases
	CMI              float64 // mean BaseWeight of the settled DRG cases; 0 without any
}

// SettlementReport is the result of Close.
type SettlementReport struct {
	Scheme      Scheme
	Budget      float64 // as given
	FixedAmount float64 // paid at fixed prices, outside the pool
	Pool        float64 // budget (to the cent) minus FixedAmount: shared by point
	TotalPoints float64 // Σ SettlementPoints of pooled cases
	// PointValue is yuan per settlement point: Pool / TotalPoints. For DRG a
	// point is RW/100 (so 100 × PointValue is the year-end base rate); for
	// DIP it is one score point.
	PointValue float64
	Settled    float64 // Σ settled amounts: the budget to the cent
	Cases      []SettledCase
	Hospitals  []HospitalSettlement // sorted by HospitalID
	CMI        float64              // mean BaseWeight of all settled DRG cases
	Skipped    int
	Err        error // wraps ErrBudget when the budget could not be shared; cases then settle at 0
}

// Close distributes budget (yuan) over the cases added and returns the
// report; the Settlement may be reused with further Adds and Closes.
//
// Fixed-price cases settle at their price. The rest of the budget, the pool,
// is shared in proportion to SettlementPoints: point value = pool / Σ
// SettlementPoints and settled = SettlementPoints × point value. Level,
// same-level and kind coefficients and the outlier formula are re-applied
// (they are inside SettlementPoints); the rate is not (the point value
// replaces it); fixed prices are not scaled. Amounts are whole cents: every
// pooled case gets its share rounded down, and the cents left over go one
// each to the cases with the largest fractions (ties: the earlier Add), so
// the settled amounts sum to the budget rounded to the cent.
func (s *Settlement) Close(budget float64) SettlementReport {
	rep := SettlementReport{Scheme: s.scheme, Budget: budget, Cases: make([]SettledCase, len(s.cases))}
	hs := make([]HospitalSettlement, len(s.ids))
	for i, id := range s.ids {
		hs[i].HospitalID = id
	}
	var fixedCents, totalSP float64
	var drgN int
	var drgW float64
	for i := range s.cases {
		c := &s.cases[i]
		h := &hs[c.hosp]
		rep.Cases[i] = SettledCase{HospitalID: s.ids[c.hosp], Group: c.group, Status: c.status, Points: c.points, Computed: c.amount}
		if c.status == CaseSkipped {
			rep.Skipped++
			h.Skipped++
			continue
		}
		h.Cases++
		h.Points += c.points
		h.Computed += c.amount
		if c.drg {
			h.DRGCases++
			h.CMI += c.baseWeight // sum for now
			drgN++
			drgW += c.baseWeight
		}
		if c.status == CaseFixed {
			fixedCents += cents(c.amount)
			continue
		}
		rep.Cases[i].SettlementPoints = c.sp
		h.SettlementPoints += c.sp
		totalSP += c.sp
	}
	if drgN > 0 {
		rep.CMI = drgW / float64(drgN)
	}
	budgetCents := cents(budget)
	poolCents := budgetCents - fixedCents
	rep.FixedAmount, rep.Pool, rep.TotalPoints = fixedCents/100, poolCents/100, totalSP
	switch {
	case math.IsNaN(budget) || math.IsInf(budget, 0) || budget < 0:
		rep.Err = fmt.Errorf("%w: budget %g", ErrBudget, budget)
	case poolCents < 0:
		rep.Err = fmt.Errorf("%w: fixed-price cases take %.2f yuan, more than the budget %.2f", ErrBudget, fixedCents/100, budgetCents/100)
	case poolCents > 0 && !(totalSP > 0):
		rep.Err = fmt.Errorf("%w: %.2f yuan left for the pool but no pooled case has points", ErrBudget, poolCents/100)
	case math.Abs(budgetCents) > 1<<52:
		rep.Err = fmt.Errorf("%w: budget %g too large to count in cents exactly", ErrBudget, budget)
	}
	if rep.Err == nil {
		if totalSP > 0 {
			rep.PointValue = rep.Pool / totalSP
		}
		s.distribute(&rep, poolCents, totalSP)
	}
	var settled float64
	for i := range rep.Cases {
		c := &rep.Cases[i]
		h := &hs[s.cases[i].hosp]
		h.Amount += c.Settled
		settled += cents(c.Settled)
	}
	rep.Settled = settled / 100
	for i := range hs {
		if hs[i].DRGCases > 0 {
			hs[i].CMI /= float64(hs[i].DRGCases)
		}
		hs[i].Amount = roundCents(hs[i].Amount)
	}
	sort.Slice(hs, func(a, b int) bool { return hs[a].HospitalID < hs[b].HospitalID })
	rep.Hospitals = hs
	return rep
}

// distribute sets Settled of every non-skipped case by largest remainder.
func (s *Settlement) distribute(rep *SettlementReport, poolCents, totalSP float64) {
	type share struct {
		i    int
		frac float64
	}
	var shares []share
	var given float64
	for i := range s.cases {
		c := &s.cases[i]
		switch c.status {
		case CaseFixed:
			rep.Cases[i].Settled = c.amount
		case CasePooled:
			if poolCents == 0 || c.sp <= 0 {
				continue
			}
			raw := c.sp / totalSP * poolCents
			whole := math.Floor(raw)
			rep.Cases[i].Settled = whole
			given += whole
			shares = append(shares, share{i, raw - whole})
		}
	}
	left := poolCents - given
	if left != 0 && len(shares) > 0 {
		// Largest fractions first; the earlier case first on ties.
		sort.SliceStable(shares, func(a, b int) bool { return shares[a].frac > shares[b].frac })
		for k := 0; left > 0; k = (k + 1) % len(shares) {
			rep.Cases[shares[k].i].Settled++
			left--
		}
		// Floating error can make the floors overshoot by a cent or so:
		// take it back from the smallest fractions.
		for k := len(shares) - 1; left < 0; k = (k - 1 + len(shares)) % len(shares) {
			if rep.Cases[shares[k].i].Settled >= 1 {
				rep.Cases[shares[k].i].Settled--
				left++
			}
		}
	}
	for _, sh := range shares {
		rep.Cases[sh.i].Settled /= 100
	}
}
