package calibrate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/medpay/drg/codes"
)

// ErrOptions reports options that cannot calibrate.
var ErrOptions = errors.New("calibrate: options")

// ErrPass reports the calibration's passes called out of order.
var ErrPass = errors.New("calibrate: passes out of order")

// Trim methods: which cases of a group are outliers left out of its mean.
const (
	TrimNone       = "none"       // keep every case
	TrimMean       = "mean"       // keep Low × mean ≤ cost ≤ High × mean (e.g. 0.1 and 3)
	TrimSD         = "sd"         // keep mean − Low × SD ≤ cost ≤ mean + High × SD (e.g. 3 and 3)
	TrimPercentile = "percentile" // keep the Low-th to High-th percentile (e.g. 2.5 and 97.5)
)

// Options configure a calibration.
type Options struct {
	// Trim, Low and High give the trimming rule (TrimMean by default,
	// 0.1 and 3: the usual 病组费用 0.1-3 倍 rule).
	Trim      string
	Low, High float64
	// MinCases is the fewest kept cases a group's own mean is used with
	// (default 5). A thinner group takes the mean of its ADRG (the groups
	// whose code shares its first three characters) when that pool has
	// MinCases, else keeps its own mean and is flagged thin.
	MinCases int
	// Base is the cost of weight 1: 0 means the mean cost of every kept
	// case, so that RW = group mean / mean of all cases (DRG). For DIP
	// scores, give the point's base cost (e.g. 100 for a score of one
	// point per 100 yuan).
	Base float64
}

// percentile bins: costs from 1 yuan up are binned on a log scale, 0.5%
// wide, up to 10^8 yuan; a percentile bound is its bin's upper edge, so
// percentile trimming is exact to within 0.5% of the cost.
const (
	binRatio = 1.005
	numBins  = 3694 // ln(1e8) / ln(1.005) + 1
)

func bin(cost float64) int {
	if cost <= 1 {
		return 0
	}
	return min(int(math.Log(cost)/math.Log(binRatio))+1, numBins-1)
}

func binUpper(b int) float64 { return math.Pow(binRatio, float64(b)) }

// slack is how far outside a trimming bound a cost still counts as inside,
// relative to the bound: a bound computed from sums is off by rounding (the
// mean of five costs of 3333.33 is 3333.3300000000004), and with an SD of
// 0 every case would otherwise be trimmed.
const slack = 1e-8

// stats sums one group's (or a pool's) costs.
type stats struct {
	n          int
	sum, sumSq float64
}

func (s *stats) add(x float64) {
	s.n++
	s.sum += x
	s.sumSq += x * x
}

func (s stats) mean() float64 { return s.sum / float64(max(s.n, 1)) }

// sd is the population standard deviation.
func (s stats) sd() float64 {
	if s.n == 0 {
		return 0
	}
	m := s.mean()
	return math.Sqrt(max(0, s.sumSq/float64(s.n)-m*m))
}

// group is one group's state across the passes.
type group struct {
	code     string
	all      stats // pass 1: every case
	kept     stats // pass 2: the cases inside the bounds
	lo, hi   float64
	hist     []uint32 // pass 1, percentile trimming only
	excluded int      // pass 2: cases outside the bounds
}

// Calibrator derives group weights from historical costs in two streaming
// passes over the same cases, keeping memory by groups, not cases: pass
// one (Observe) gathers each group's mean and spread (and, for percentile
// trimming, a histogram); EndPass fixes each group's trimming bounds; pass
// two (Observe again, in any order) keeps the cases inside them; Result
// returns the weights and the statistics. A Calibrator is not safe for
// concurrent use.
//
//	c, err := calibrate.New(calibrate.Options{})
//	for each case { c.Observe(drg, cost) }
//	c.EndPass()
//	for each case { c.Observe(drg, cost) }
//	res, err := c.Result()
type Calibrator struct {
	opts   Options
	ids    *codes.Dict
	groups []*group // by dictionary ID; [0] unused
	pass   int      // 1 or 2; 3 after Result
	bad    int      // cases without a usable cost or group
}

// New returns a Calibrator for opts, in its first pass.
func New(opts Options) (*Calibrator, error) {
	if opts.Trim == "" {
		opts.Trim, opts.Low, opts.High = TrimMean, 0.1, 3
	}
	if opts.MinCases == 0 {
		opts.MinCases = 5
	}
	switch {
	case !slices.Contains([]string{TrimNone, TrimMean, TrimSD, TrimPercentile}, opts.Trim):
		return nil, fmt.Errorf("%w: trim %q is not none, mean, sd or percentile", ErrOptions, opts.Trim)
	case opts.Trim == TrimMean && !(opts.Low >= 0 && opts.High > opts.Low):
		return nil, fmt.Errorf("%w: mean trimming needs 0 <= low < high (multiples of the group mean), got %g and %g", ErrOptions, opts.Low, opts.High)
	case opts.Trim == TrimSD && !(opts.Low >= 0 && opts.High >= 0):
		return nil, fmt.Errorf("%w: SD trimming needs low and high >= 0 (SDs below and above the mean), got %g and %g", ErrOptions, opts.Low, opts.High)
	case opts.Trim == TrimPercentile && !(opts.Low >= 0 && opts.High <= 100 && opts.Low < opts.High):
		return nil, fmt.Errorf("%w: percentile trimming needs 0 <= low < high <= 100, got %g and %g", ErrOptions, opts.Low, opts.High)
	case opts.MinCases < 1 || opts.Base < 0 || math.IsNaN(opts.Base) || math.IsInf(opts.Base, 0):
		return nil, fmt.Errorf("%w: min cases %d, base %g", ErrOptions, opts.MinCases, opts.Base)
	}
	return &Calibrator{opts: opts, ids: codes.NewDict(codes.SystemProcedure), groups: []*group{nil}, pass: 1}, nil
}

// Observe takes one case: its group and its total cost in yuan. A case
// without a group (blank, 0000) or with a cost that is not positive is
// counted as unusable and left out of both passes.
func (c *Calibrator) Observe(code string, cost float64) error {
	if code == "" || code == "0000" || !(cost > 0) || math.IsInf(cost, 0) {
		if c.pass == 1 {
			c.bad++
		}
		return nil
	}
	switch c.pass {
	case 1:
		id := c.ids.Intern(code)
		if int(id) == len(c.groups) {
			g := &group{code: strings.Clone(code)}
			if c.opts.Trim == TrimPercentile {
				g.hist = make([]uint32, numBins)
			}
			c.groups = append(c.groups, g)
		}
		g := c.groups[id]
		g.all.add(cost)
		if g.hist != nil {
			g.hist[bin(cost)]++
		}
	case 2:
		id, ok := c.ids.Lookup(code)
		if !ok {
			return fmt.Errorf("%w: group %s in the second pass only: give both passes the same cases", ErrPass, code)
		}
		g := c.groups[id]
		if cost < g.lo-slack*max(1, math.Abs(g.lo)) || cost > g.hi+slack*max(1, math.Abs(g.hi)) {
			g.excluded++
			return nil
		}
		g.kept.add(cost)
	default:
		return ErrPass
	}
	return nil
}

// EndPass ends the first pass: it fixes each group's bounds.
func (c *Calibrator) EndPass() error {
	if c.pass != 1 {
		return ErrPass
	}
	o := c.opts
	for _, g := range c.groups[1:] {
		m, sd := g.all.mean(), g.all.sd()
		switch o.Trim {
		case TrimNone:
			g.lo, g.hi = 0, math.Inf(1)
		case TrimMean:
			g.lo, g.hi = o.Low*m, o.High*m
		case TrimSD:
			g.lo, g.hi = m-o.Low*sd, m+o.High*sd
		case TrimPercentile:
			g.lo, g.hi = g.percentile(o.Low, false), g.percentile(o.High, true)
			g.hist = nil
		}
	}
	c.pass = 2
	return nil
}

// percentile returns the cost below which p percent of the group's cases
// lie, as a bin edge: the lower edge for a lower bound, the upper edge for
// an upper one, so that a bound never cuts inside the bin it falls in.
func (g *group) percentile(p float64, upper bool) float64 {
	if upper && p >= 100 {
		return math.Inf(1)
	}
	if !upper && p <= 0 {
		return 0
	}
	want := p / 100 * float64(g.all.n)
	seen := 0.0
	for b, k := range g.hist {
		seen += float64(k)
		if seen >= want && k > 0 {
			if upper {
				return binUpper(b)
			}
			if b == 0 {
				return 0
			}
			return binUpper(b - 1)
		}
	}
	return math.Inf(1)
}

// Group is the calibration of one group.
type Group struct {
	Code        string
	Cases       int     // usable cases
	Kept        int     // inside the trimming bounds
	Trimmed     int     // Cases − Kept
	Low, High   float64 // the trimming bounds, yuan
	Mean        float64 // mean cost of the kept cases
	CV          float64 // coefficient of variation of the kept cases (SD / mean)
	Weight      float64 // RW (or score): Mean (or the fallback's) / Base
	Fallback    string  // "": own mean; "adrg": its ADRG's pooled mean; "thin": own mean of too few cases
	Homogeneous bool    // CV < 1, the usual test of a homogeneous group
}

// Result is a finished calibration.
type Result struct {
	Groups   []Group // sorted by code
	Cases    int     // usable cases
	Kept     int
	Unusable int     // cases without a group or a positive cost
	Base     float64 // the cost of weight 1
	// RIV is the reduction in variance of the kept costs that the groups
	// explain: 1 − (within-group sum of squares) / (total sum of squares).
	RIV float64
	// CMI is the case-mix index of the kept cases under the derived
	// weights: Σ weight × kept / kept (1 when Base is the overall mean and
	// no group falls back).
	CMI float64
}

// Result ends the second pass and returns the weights.
func (c *Calibrator) Result() (*Result, error) {
	if c.pass != 2 {
		return nil, ErrPass
	}
	c.pass = 3
	res := &Result{Unusable: c.bad}
	var total stats
	pools := map[string]*stats{} // ADRG -> kept cases of its groups
	ssw := 0.0
	for _, g := range c.groups[1:] {
		total.n += g.kept.n
		total.sum += g.kept.sum
		total.sumSq += g.kept.sumSq
		res.Cases += g.all.n
		if len(g.code) >= 3 {
			p := pools[g.code[:3]]
			if p == nil {
				p = &stats{}
				pools[g.code[:3]] = p
			}
			p.n, p.sum, p.sumSq = p.n+g.kept.n, p.sum+g.kept.sum, p.sumSq+g.kept.sumSq
		}
		if g.kept.n > 0 {
			m := g.kept.mean()
			ssw += g.kept.sumSq - float64(g.kept.n)*m*m
		}
	}
	res.Kept = total.n
	if res.Cases == 0 {
		return nil, fmt.Errorf("%w: no usable case", ErrOptions)
	}
	res.Base = c.opts.Base
	if res.Base == 0 {
		res.Base = total.mean()
		if total.n == 0 { // every case trimmed: the mean of them all
			var all stats
			for _, g := range c.groups[1:] {
				all.n, all.sum = all.n+g.all.n, all.sum+g.all.sum
			}
			res.Base = all.mean()
		}
	}
	if sst := total.sumSq - float64(total.n)*total.mean()*total.mean(); sst > 0 {
		res.RIV = 1 - ssw/sst
	}
	weighted := 0.0
	for _, g := range c.groups[1:] {
		out := Group{Code: g.code, Cases: g.all.n, Kept: g.kept.n, Trimmed: g.all.n - g.kept.n, Low: g.lo, High: g.hi,
			Mean: g.kept.mean()}
		if g.kept.n > 0 {
			out.CV = g.kept.sd() / out.Mean
		}
		mean := out.Mean
		if g.kept.n == 0 {
			// The rule trimmed every case (a group of two clusters far
			// apart): the group keeps its untrimmed mean rather than a
			// weight of 0.
			out.Fallback, mean = "untrimmed", g.all.mean()
		} else if g.kept.n < c.opts.MinCases {
			out.Fallback = "thin"
			if p := pools[g.code[:min(3, len(g.code))]]; p != nil && p.n >= c.opts.MinCases {
				out.Fallback, mean = "adrg", p.mean()
			}
		}
		out.Weight = mean / res.Base
		out.Homogeneous = out.CV < 1
		weighted += out.Weight * float64(g.kept.n)
		res.Groups = append(res.Groups, out)
	}
	if total.n > 0 {
		res.CMI = weighted / float64(total.n)
	}
	slices.SortFunc(res.Groups, func(a, b Group) int { return strings.Compare(a.Code, b.Code) })
	return res, nil
}
