package weights

import (
	"fmt"
	"math"
	"slices"
	"strings"
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
// It keeps 48 bytes per case (hospital and group codes are interned), so a
// year of tens of millions of cases fits in memory; Settle streams the
// settled cases instead of returning them in a slice. It is not safe for
// concurrent use; feed it from one goroutine.
type Settlement struct {
	scheme Scheme
	hosp   map[string]int32
	ids    []string // hospital IDs by index
	group  map[string]int32
	groups []string // group codes by index
	cases  []settleCase
}

type settleCase struct {
	points     float64
	sp         float64
	amount     float64
	baseWeight float64
	hosp       int32
	group      int32
	status     CaseStatus
	drg        bool
}

// NewSettlement returns an empty settlement.
func NewSettlement() *Settlement {
	return &Settlement{hosp: map[string]int32{}, group: map[string]int32{}}
}

// Add records one case of hospitalID. The first paid case fixes the
// settlement's scheme; paid cases of the other scheme, and unpaid cases
// (p.Reason != ""), are kept as skipped and settle at 0. Add copies what it
// needs from p.
func (s *Settlement) Add(hospitalID string, p *Payment) {
	hi, ok := s.hosp[hospitalID]
	if !ok {
		hi = int32(len(s.ids))
		hospitalID = strings.Clone(hospitalID)
		s.hosp[hospitalID] = hi
		s.ids = append(s.ids, hospitalID)
	}
	gi, ok := s.group[p.Group]
	if !ok {
		gi = int32(len(s.groups))
		g := strings.Clone(p.Group)
		s.group[g] = gi
		s.groups = append(s.groups, g)
	}
	c := settleCase{hosp: hi, group: gi, points: p.Points, sp: p.SettlementPoints, amount: p.Amount, baseWeight: p.BaseWeight, drg: p.Scheme == DRG}
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
	// Err wraps ErrBudget when the budget could not be shared: a bad
	// budget, fixed prices above it, no points to share it by, or a case
	// with a negative or non-finite amount. Cases then settle at 0.
	Err error
}

// Close distributes budget (yuan) over the cases added and returns the
// report with every case in Cases; the Settlement may be reused with further
// Adds and Closes. For millions of cases Settle needs far less memory.
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
	cases := make([]SettledCase, len(s.cases))
	rep, _ := s.Settle(budget, func(i int, c *SettledCase) error {
		cases[i] = *c
		return nil
	})
	rep.Cases = cases
	return rep
}

// checkCase reports a case whose amounts cannot be settled: a value that is
// negative, infinite or NaN (a Payment from Compute never has one; a
// hand-made or edited one may).
func (s *Settlement) checkCase(i int, c *settleCase) error {
	for _, v := range [...]struct {
		name string
		x    float64
	}{{"settlement points", c.sp}, {"points", c.points}, {"amount", c.amount}, {"base weight", c.baseWeight}} {
		if !finite(v.x) || v.x < 0 {
			return fmt.Errorf("%w: case %d (hospital %s): %s %g is not a finite, non-negative number", ErrBudget, i, s.ids[c.hosp], v.name, v.x)
		}
	}
	return nil
}

// Settle settles like Close but, instead of returning the cases in
// rep.Cases (left nil), calls each (unless nil) for every case in Add
// order; c is reused between calls. An error from each stops the settlement and is returned
// (the report is then incomplete). When the budget cannot be shared
// (rep.Err), each still sees every case, settled at 0.
func (s *Settlement) Settle(budget float64, each func(i int, c *SettledCase) error) (SettlementReport, error) {
	rep := SettlementReport{Scheme: s.scheme, Budget: budget}
	hs := make([]HospitalSettlement, len(s.ids))
	for i, id := range s.ids {
		hs[i].HospitalID = id
	}
	var fixedCents, totalSP float64
	var drgN int
	var drgW float64
	var bad error
	for i := range s.cases {
		c := &s.cases[i]
		h := &hs[c.hosp]
		if c.status == CaseSkipped {
			rep.Skipped++
			h.Skipped++
			continue
		}
		// One NaN would make every share NaN, and a negative share would
		// be taken back from the others: refuse to settle instead.
		if bad == nil {
			bad = s.checkCase(i, c)
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
	case bad != nil:
		rep.Err = bad
	case math.IsNaN(budget) || math.IsInf(budget, 0) || budget < 0:
		rep.Err = fmt.Errorf("%w: budget %g", ErrBudget, budget)
	case poolCents < 0:
		rep.Err = fmt.Errorf("%w: fixed-price cases take %.2f yuan, more than the budget %.2f", ErrBudget, fixedCents/100, budgetCents/100)
	case poolCents > 0 && !(totalSP > 0):
		rep.Err = fmt.Errorf("%w: %.2f yuan left for the pool but no pooled case has points", ErrBudget, poolCents/100)
	case math.Abs(budgetCents) > 1<<52:
		rep.Err = fmt.Errorf("%w: budget %g too large to count in cents exactly", ErrBudget, budget)
	}
	var shares []poolShare
	if rep.Err == nil {
		if totalSP > 0 {
			rep.PointValue = rep.Pool / totalSP
		}
		shares = s.distribute(poolCents, totalSP)
	}
	var settled float64
	var sc SettledCase
	for i := range s.cases {
		c := &s.cases[i]
		sc = SettledCase{HospitalID: s.ids[c.hosp], Group: s.groups[c.group], Status: c.status, Points: c.points, Computed: c.amount}
		if c.status == CasePooled {
			sc.SettlementPoints = c.sp
		}
		if rep.Err == nil {
			switch {
			case c.status == CaseFixed:
				sc.Settled = c.amount
			case len(shares) > 0 && shares[0].i == i:
				sc.Settled = (shareFloor(c.sp, totalSP, poolCents) + float64(shares[0].delta)) / 100
				shares = shares[1:]
			}
		}
		hs[c.hosp].Amount += sc.Settled
		settled += cents(sc.Settled)
		if each != nil {
			if err := each(i, &sc); err != nil {
				return rep, err
			}
		}
	}
	rep.Settled = settled / 100
	for i := range hs {
		if hs[i].DRGCases > 0 {
			hs[i].CMI /= float64(hs[i].DRGCases)
		}
		hs[i].Amount = roundCents(hs[i].Amount)
	}
	slices.SortFunc(hs, func(a, b HospitalSettlement) int { return strings.Compare(a.HospitalID, b.HospitalID) })
	rep.Hospitals = hs
	return rep, nil
}

// poolShare is a pooled case's part of the pool: its index, the fraction of a
// cent its exact share has beyond the whole cents, and the cents it gets on
// top of those (the largest-remainder correction).
type poolShare struct {
	i     int
	delta int
	frac  float64
}

// shareFloor is the whole cents of a pooled case's exact share. Settle
// recomputes it rather than keep it: the same expression gives the same
// float.
func shareFloor(sp, totalSP, poolCents float64) float64 {
	return math.Floor(sp / totalSP * poolCents)
}

// distribute shares the pool by largest remainder. It returns the pooled
// cases that get a share, in Add order, with their corrections; cases not
// returned settle at 0 (or their fixed price).
func (s *Settlement) distribute(poolCents, totalSP float64) []poolShare {
	if poolCents == 0 {
		return nil
	}
	var shares []poolShare
	var given float64
	for i := range s.cases {
		c := &s.cases[i]
		if c.status != CasePooled || c.sp <= 0 {
			continue
		}
		raw := c.sp / totalSP * poolCents
		whole := math.Floor(raw)
		given += whole
		shares = append(shares, poolShare{i: i, frac: raw - whole})
	}
	left := poolCents - given
	if left == 0 || len(shares) == 0 {
		return shares
	}
	// Largest fractions first; the earlier case first on ties.
	slices.SortFunc(shares, func(a, b poolShare) int {
		if a.frac != b.frac {
			if a.frac > b.frac {
				return -1
			}
			return 1
		}
		return a.i - b.i
	})
	for k := 0; left > 0; k = (k + 1) % len(shares) {
		shares[k].delta++
		left--
	}
	// Floating error can make the floors overshoot by a cent or so: take it
	// back from the smallest fractions.
	for k := len(shares) - 1; left < 0; k = (k - 1 + len(shares)) % len(shares) {
		sh := &shares[k]
		if shareFloor(s.cases[sh.i].sp, totalSP, poolCents)+float64(sh.delta) >= 1 {
			sh.delta--
			left++
		}
	}
	slices.SortFunc(shares, func(a, b poolShare) int { return a.i - b.i })
	return shares
}
