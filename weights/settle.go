package weights

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/medpay/drg/grouper"
)

// Bounds of a case's numbers in a settlement. They are far beyond any real
// stay, and they are what keeps one absurd value from deciding a whole
// settlement: a case of 1e300 settlement points, finite as it is, once took
// the entire pool and left every other case a point value of 0.000000. Below
// them a year of a hundred million cases sums to at most 1e18, far from
// overflow.
const (
	// MaxCaseAmount bounds a case's amount, in yuan: ten times the bound
	// package grouper/record puts on a record's total_cost (10^9 yuan).
	// Compute pays a group amount (weight × rate × coefficients, tens of
	// thousands of yuan) plus, for a high outlier, a share of the cost
	// above the threshold, so a record within the reader's bound is paid
	// far below it; the margin is for a policy ratio above 1.
	MaxCaseAmount = 1e10
	// MaxCasePoints bounds a case's weight, points and settlement points:
	// MaxCaseAmount at one yuan a point. Real point values are tens of
	// yuan (a DRG point is the base rate / 100), real DRG points RW × 100
	// (tens to thousands a case), and DIP scores run to tens of thousands.
	MaxCasePoints = 1e10
)

// ErrMixedSchemes is wrapped by SettlementReport.Err when one pool would
// share its budget between cases of both schemes (Settle), or cases of a
// scheme have no budget (SettlePools). DRG points (RW × 100) and DIP points
// (scores) are not the same unit: one point value over both would pay one
// scheme's cases by the other's scale.
var ErrMixedSchemes = errors.New("weights: cases of two schemes in one pool")

// UnpaidReasons returns the reasons Compute gives for an unpaid case
// (Payment.Reason), in a new slice: what a priced file's unpaid column holds
// besides "". A reader of such a file can refuse anything else, which would
// otherwise leave a case unpaid without a known cause.
func UnpaidReasons() []string {
	return []string{AdjNoScheme, AdjNoGroup, AdjNoWeight, AdjNoLevel, AdjOutOfRange, AdjNotInForce}
}

// CaseStatus says how a case took part in a settlement.
type CaseStatus uint8

// Settlement case statuses.
const (
	CasePooled  CaseStatus = iota // paid from the point pool: SettlementPoints × point value
	CaseFixed                     // paid its fixed price, outside the pool
	CaseSkipped                   // unpaid by Compute (or of no scheme): settled 0
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
	hosp   map[string]int32
	ids    []string // hospital IDs by index
	group  map[string]int32
	groups []string // group codes by index
	cases  []settleCase
	count  [schemeSlots]int // cases added, by Payment.Scheme
}

type settleCase struct {
	points     float64
	sp         float64
	amount     float64
	baseWeight float64
	hosp       int32
	group      int32
	status     CaseStatus
	scheme     grouper.Scheme
}

// NewSettlement returns an empty settlement.
func NewSettlement() *Settlement {
	return &Settlement{hosp: map[string]int32{}, group: map[string]int32{}}
}

// Add records one case of hospitalID. The case belongs to the pool of its
// scheme (p.Scheme), paid or not; unpaid cases (p.Reason != "") and cases of
// no valid scheme are kept as skipped and settle at 0. Add copies what it
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
	c := settleCase{hosp: hi, group: gi, points: p.Points, sp: p.SettlementPoints, amount: p.Amount, baseWeight: p.BaseWeight, scheme: p.Scheme}
	switch {
	case p.Reason != "" || !payable(p.Scheme):
		c.status = CaseSkipped
	case p.FixedPrice:
		c.status = CaseFixed
	default:
		c.status = CasePooled
	}
	if payable(p.Scheme) {
		s.count[p.Scheme]++
	}
	s.cases = append(s.cases, c)
}

// Len returns the number of cases added.
func (s *Settlement) Len() int { return len(s.cases) }

// SettledCase is one case of a SettlementReport.
type SettledCase struct {
	HospitalID       string
	Group            string
	Scheme           grouper.Scheme // Payment.Scheme: the pool the case is in
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
	Skipped          int     // unpaid cases
	Points           float64 // Σ Points of settled cases
	SettlementPoints float64 // Σ SettlementPoints
	Computed         float64 // Σ Compute amounts of settled cases
	Amount           float64 // Σ settled amounts
	DRGCases         int     // settled DRG cases
	CMI              float64 // mean BaseWeight of the settled DRG cases; 0 without any
}

// SettlementReport is the result of Close or Settle, or one pool's part of
// SettlePools.
type SettlementReport struct {
	Scheme      grouper.Scheme // the scheme of the pool's cases; 0 when it has none
	Budget      float64        // as given
	FixedAmount float64        // paid at fixed prices, outside the pool
	Pool        float64        // budget (to the cent) minus FixedAmount: shared by point
	TotalPoints float64        // Σ SettlementPoints of pooled cases
	// PointValue is yuan per settlement point: Pool / TotalPoints. For DRG a
	// point is RW/100 (so 100 × PointValue is the year-end base rate); for
	// DIP it is one score point.
	PointValue float64
	Settled    float64 // Σ settled amounts: the budget to the cent
	Cases      []SettledCase
	Hospitals  []HospitalSettlement // the hospitals with a case in the pool, sorted by HospitalID
	CMI        float64              // mean BaseWeight of all settled DRG cases
	Skipped    int
	// Err, when the budget could not be shared, wraps ErrMixedSchemes
	// (cases of two schemes in the pool, or of a scheme without a pool)
	// or ErrBudget (a bad budget, fixed prices above it, no points to
	// share it by, or a case with a negative, non-finite or out-of-bounds
	// number). The pool's cases then settle at 0.
	Err error
}

// Close distributes budget (yuan) over the cases added and returns the
// report with every case in Cases; the Settlement may be reused with further
// Adds and Closes. For millions of cases Settle needs far less memory.
//
// Every case must be of one scheme: cases of both DRG and DIP make rep.Err
// wrap ErrMixedSchemes (SettlePools gives each scheme its own budget).
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
// negative, infinite, NaN or beyond the case bounds (a Payment from Compute
// on real tables never has one; a hand-made or edited one may).
func (s *Settlement) checkCase(i int, c *settleCase) error {
	for _, v := range [...]struct {
		name string
		x    float64
		max  float64
	}{{"settlement points", c.sp, MaxCasePoints}, {"points", c.points, MaxCasePoints}, {"amount", c.amount, MaxCaseAmount}, {"base weight", c.baseWeight, MaxCasePoints}} {
		if !finite(v.x) || v.x < 0 {
			return fmt.Errorf("%w: case %d (hospital %s): %s %g is not a finite, non-negative number", ErrBudget, i, s.ids[c.hosp], v.name, v.x)
		}
		if v.x > v.max {
			return fmt.Errorf("%w: case %d (hospital %s): %s %g is above %g, beyond any real case", ErrBudget, i, s.ids[c.hosp], v.name, v.x, v.max)
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
	p := pool{rep: SettlementReport{Budget: budget}}
	switch {
	case s.count[grouper.SchemeDRG] > 0 && s.count[grouper.SchemeDIP] > 0:
		p.rep.Err = fmt.Errorf("%w: %d DRG and %d DIP cases: one pool settles one scheme; settle them apart, or give each scheme its budget (SettlePools)", ErrMixedSchemes, s.count[grouper.SchemeDRG], s.count[grouper.SchemeDIP])
	case s.count[grouper.SchemeDRG] > 0:
		p.rep.Scheme = grouper.SchemeDRG
	case s.count[grouper.SchemeDIP] > 0:
		p.rep.Scheme = grouper.SchemeDIP
	}
	reps, err := s.settle([]pool{p}, func(*settleCase) int { return 0 }, each)
	return reps[0], err
}

// SettlePools settles every scheme's cases from that scheme's own budget
// (yuan): one pool per entry of budgets, each shared exactly as Close
// shares its budget, with its own point value, and adding up to its budget
// to the cent. It returns one report per pool, DRG first, and calls each
// (unless nil) for every case in Add order, as Settle does; c.Scheme says
// the case's pool.
//
// Cases of a scheme without a budget make every report's Err wrap
// ErrMixedSchemes (they would be left out unpaid); a key of budgets that is
// neither DRG nor DIP, ErrBudget. A case of no valid scheme (a Payment not
// from Compute) is skipped and counted in the first report. With no budget
// for DRG or DIP there is no pool: SettlePools returns an error wrapping
// ErrBudget and calls each for no case.
func (s *Settlement) SettlePools(budgets map[grouper.Scheme]float64, each func(i int, c *SettledCase) error) ([]SettlementReport, error) {
	var pools []pool
	var idx [schemeSlots]int
	var bad error
	for _, sc := range [...]grouper.Scheme{grouper.SchemeDRG, grouper.SchemeDIP} {
		b, ok := budgets[sc]
		if !ok {
			idx[sc] = -1
			if s.count[sc] > 0 && bad == nil {
				bad = fmt.Errorf("%w: %d %s cases and no %s budget: each scheme's cases share their own budget", ErrMixedSchemes, s.count[sc], schemeName(sc), schemeName(sc))
			}
			continue
		}
		idx[sc] = len(pools)
		pools = append(pools, pool{rep: SettlementReport{Scheme: sc, Budget: b}})
	}
	if len(pools) == 0 {
		return nil, fmt.Errorf("%w: no budget for DRG or DIP", ErrBudget)
	}
	for sc := range budgets {
		if !payable(sc) && bad == nil {
			bad = fmt.Errorf("%w: a budget for scheme %d, which is neither DRG nor DIP", ErrBudget, sc)
		}
	}
	for k := range pools {
		pools[k].rep.Err = bad
	}
	return s.settle(pools, func(c *settleCase) int {
		if !payable(c.scheme) {
			return 0
		}
		return idx[c.scheme]
	}, each)
}

// schemeName is a scheme as messages write it: DRG, DIP.
func schemeName(s grouper.Scheme) string { return strings.ToUpper(s.String()) }

// pool is one budget being shared and its running totals.
type pool struct {
	rep        SettlementReport // rep.Err may be set before settle: the pool then settles nothing
	hs         []HospitalSettlement
	fixedCents float64
	poolCents  float64
	drgN       int
	drgW       float64
	bad        error // the first case checkCase refused
	shares     []poolShare
	settled    float64 // cents
}

// settle shares each pool's budget among the cases that of puts in it (-1:
// in no pool, only when every pool's Err is already set) and streams every
// case to each.
func (s *Settlement) settle(pools []pool, of func(*settleCase) int, each func(i int, c *SettledCase) error) ([]SettlementReport, error) {
	for k := range pools {
		p := &pools[k]
		p.hs = make([]HospitalSettlement, len(s.ids))
		for i, id := range s.ids {
			p.hs[i].HospitalID = id
		}
	}
	for i := range s.cases {
		c := &s.cases[i]
		k := of(c)
		if k < 0 {
			continue
		}
		p := &pools[k]
		h := &p.hs[c.hosp]
		if c.status == CaseSkipped {
			p.rep.Skipped++
			h.Skipped++
			continue
		}
		// One NaN would make every share NaN, and a negative share would
		// be taken back from the others: refuse to settle instead.
		if p.bad == nil {
			p.bad = s.checkCase(i, c)
		}
		h.Cases++
		h.Points += c.points
		h.Computed += c.amount
		if c.scheme == grouper.SchemeDRG {
			h.DRGCases++
			h.CMI += c.baseWeight // sum for now
			p.drgN++
			p.drgW += c.baseWeight
		}
		if c.status == CaseFixed {
			p.fixedCents += cents(c.amount)
			continue
		}
		h.SettlementPoints += c.sp
		p.rep.TotalPoints += c.sp
	}
	for k := range pools {
		p := &pools[k]
		if p.drgN > 0 {
			p.rep.CMI = p.drgW / float64(p.drgN)
		}
		budget, totalSP := p.rep.Budget, p.rep.TotalPoints
		budgetCents := cents(budget)
		p.poolCents = budgetCents - p.fixedCents
		p.rep.FixedAmount, p.rep.Pool = p.fixedCents/100, p.poolCents/100
		switch {
		case p.rep.Err != nil:
		case p.bad != nil:
			p.rep.Err = p.bad
		case math.IsNaN(budget) || math.IsInf(budget, 0) || budget < 0:
			p.rep.Err = fmt.Errorf("%w: budget %g", ErrBudget, budget)
		case p.poolCents < 0:
			p.rep.Err = fmt.Errorf("%w: fixed-price cases take %.2f yuan, more than the budget %.2f", ErrBudget, p.fixedCents/100, budgetCents/100)
		case p.poolCents > 0 && !(totalSP > 0):
			p.rep.Err = fmt.Errorf("%w: %.2f yuan left for the pool but no pooled case has points", ErrBudget, p.poolCents/100)
		case math.Abs(budgetCents) > 1<<52:
			p.rep.Err = fmt.Errorf("%w: budget %g too large to count in cents exactly", ErrBudget, budget)
		}
		if p.rep.Err == nil {
			if totalSP > 0 {
				p.rep.PointValue = p.rep.Pool / totalSP
			}
			p.shares = s.distribute(p.poolCents, totalSP, func(c *settleCase) bool { return of(c) == k })
		}
	}
	var sc SettledCase
	for i := range s.cases {
		c := &s.cases[i]
		sc = SettledCase{HospitalID: s.ids[c.hosp], Group: s.groups[c.group], Scheme: c.scheme, Status: c.status, Points: c.points, Computed: c.amount}
		if c.status == CasePooled {
			sc.SettlementPoints = c.sp
		}
		if k := of(c); k >= 0 {
			p := &pools[k]
			if p.rep.Err == nil {
				switch {
				case c.status == CaseFixed:
					sc.Settled = c.amount
				case len(p.shares) > 0 && p.shares[0].i == i:
					sc.Settled = (shareFloor(c.sp, p.rep.TotalPoints, p.poolCents) + float64(p.shares[0].delta)) / 100
					p.shares = p.shares[1:]
				}
			}
			p.hs[c.hosp].Amount += sc.Settled
			p.settled += cents(sc.Settled)
		}
		if each != nil {
			if err := each(i, &sc); err != nil {
				return reports(pools), err
			}
		}
	}
	for k := range pools {
		p := &pools[k]
		p.rep.Settled = p.settled / 100
		// A pool lists the hospitals it has cases of: with one pool per
		// scheme, a hospital paid only by DIP is no line of the DRG pool.
		hs := p.hs[:0]
		for _, h := range p.hs {
			if h.Cases+h.Skipped == 0 {
				continue
			}
			if h.DRGCases > 0 {
				h.CMI /= float64(h.DRGCases)
			}
			h.Amount = roundCents(h.Amount)
			hs = append(hs, h)
		}
		slices.SortFunc(hs, func(a, b HospitalSettlement) int { return strings.Compare(a.HospitalID, b.HospitalID) })
		p.rep.Hospitals = hs
	}
	return reports(pools), nil
}

// reports returns the pools' reports.
func reports(pools []pool) []SettlementReport {
	reps := make([]SettlementReport, len(pools))
	for k := range pools {
		reps[k] = pools[k].rep
	}
	return reps
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

// distribute shares a pool among the pooled cases for which in holds, by
// largest remainder. It returns the cases that get a share, in Add order,
// with their corrections; cases not returned settle at 0 (or their fixed
// price).
func (s *Settlement) distribute(poolCents, totalSP float64, in func(*settleCase) bool) []poolShare {
	if poolCents == 0 {
		return nil
	}
	var shares []poolShare
	var given float64
	for i := range s.cases {
		c := &s.cases[i]
		if c.status != CasePooled || c.sp <= 0 || !in(c) {
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
