package citylist_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medpay/drg/grouper/record"
	"github.com/medpay/drg/weights/citylist"
)

// paymentDir holds the four cities' published tables; tests skip without it.
var paymentDir = filepath.Join("..", "..", "..", "shared", "data", "payment")

func convert(t *testing.T, file string, opts citylist.Options) *citylist.Converted {
	t.Helper()
	f, err := os.Open(filepath.Join(paymentDir, file))
	if err != nil {
		t.Skipf("published price lists not found: %v", err)
	}
	defer f.Close()
	if opts.Region == "" {
		opts.Region = file
	}
	opts.RuleSet = "chs-drg-1.1"
	opts.Valid = record.Period{From: record.DateOf(2022, 1, 1)}
	c, err := citylist.Convert(f, opts)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c
}

// TestPublishedStandardsReproduce: for every row of every published table
// the engine's payment of a normal-cost case of the row's group, level and
// insured class equals the published standard to the cent, and Jilin's
// low and high thresholds classify cases exactly at the cent; the rows
// that cannot be priced are the ones listed, each with its line.
func TestPublishedStandardsReproduce(t *testing.T) {
	for _, tc := range []struct {
		file      string
		opts      citylist.Options
		standards int // published standards checked
		unpriced  int // rows listed as not priced
	}{
		{"tongchuan-2022.csv", citylist.Options{Insured: citylist.Employee}, 596, 32},
		{"tongchuan-2022.csv", citylist.Options{Insured: citylist.Resident}, 596, 32},
		{"jilin-2022.csv", citylist.Options{}, 625, 0},
		{"suzhou-2023.csv", citylist.Options{}, 3 * 648, 0},
		{"lanzhou-2023.csv", citylist.Options{}, 0, 22},
	} {
		t.Run(tc.file+"/"+tc.opts.Insured, func(t *testing.T) {
			c := convert(t, tc.file, tc.opts)
			bad, err := c.Check()
			if err != nil {
				t.Fatal(err)
			}
			exceptions := listedExceptions(t, tc.file, tc.opts.Insured)
			for _, p := range bad {
				if why, ok := exceptions[p.Line]; ok {
					t.Logf("%s %s: listed exception: %s", tc.file, p, why)
					delete(exceptions, p.Line)
					continue
				}
				t.Errorf("%s %s", tc.file, p)
			}
			for line := range exceptions {
				t.Errorf("%s line %d is listed as an exception but reproduces", tc.file, line)
			}
			if len(c.Standards) != tc.standards {
				t.Errorf("%d standards checked, want %d", len(c.Standards), tc.standards)
			}
			unpriced := 0
			for _, p := range c.Problems {
				if p.Line > 0 {
					unpriced++
					if p.Group == "" || !strings.Contains(p.Reason, "not paid by weight") {
						t.Errorf("unpriced row %s", p)
					}
				}
			}
			if unpriced != tc.unpriced {
				t.Errorf("%d rows not priced, want %d: %v", unpriced, tc.unpriced, c.Problems)
			}
		})
	}
}

// listedExceptions reads testdata/exceptions.tsv: the lines of file (for
// insured class insured) whose published standard is known not to
// reproduce, with the reason.
func listedExceptions(t *testing.T, file, insured string) map[int]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "exceptions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, l := range strings.Split(string(data), "\n")[1:] {
		c := strings.Split(l, "\t")
		if len(c) < 5 || strings.HasPrefix(l, "#") || c[0] != file || c[1] != insured {
			continue
		}
		line, err := strconv.Atoi(c[2])
		if err != nil {
			t.Fatalf("exceptions.tsv: line %q", l)
		}
		out[line] = c[3] + ": " + c[4]
	}
	return out
}

// TestConvertSmall converts hand-written tables of each layout: a row
// without RW and a row whose number is not one are listed with their line
// and left out of the table, the rate is read off the standards, and the
// options a layout needs are asked for.
func TestConvertSmall(t *testing.T) {
	opts := citylist.Options{Region: "test", RuleSet: "chs-drg-1.1", Valid: record.Period{From: record.DateOf(2024, 1, 1)}, Insured: citylist.Resident}
	in := "DRG编码,DRG名称,RW,支付标准（职工）,支付标准（居民）\n" +
		"AA19,心脏移植,,,\n" +
		"BR25,脑缺血性疾患,0.5,3500,3000\n" +
		"ES25,肺真菌病,1.5,10500,九千\n" +
		"GB15,食管手术,2,14000,12000\n"
	c, err := citylist.Convert(strings.NewReader(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems := []string{"line 2: AA19: no RW: the group is not paid by weight", "line 4: ES25: 支付标准 \"九千\" is not a number", "line 4: ES25: RW without a payment standard"}
	var got []string
	for _, p := range c.Problems {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
	if want := "scheme\tgroup\tweight\tstandard_cost\tname\ndrg\tBR25\t0.5\t\t脑缺血性疾患\ndrg\tGB15\t2\t\t食管手术\n"; string(c.Table) != want {
		t.Errorf("table:\n%s", c.Table)
	}
	if r := c.Policy.DRG.Rate.At(3); r != 6000 {
		t.Errorf("residents' rate %v, want 6000", r)
	}
	if bad, err := c.Check(); err != nil || len(bad) != 0 {
		t.Errorf("check: %v %v", bad, err)
	}

	for _, tc := range []struct {
		name, in string
		opts     citylist.Options
		want     string
	}{
		{"no insured class", in, citylist.Options{Region: "x", RuleSet: "r", Valid: opts.Valid}, "choose employee (职工) or resident (居民)"},
		{"no period", in, citylist.Options{Region: "x", RuleSet: "r", Insured: citylist.Employee}, "the first day it is in force"},
		{"unknown layout", "编码,名称\nA,B\n", opts, "not a known price-list layout"},
		{"two rates", "DRG编码,DRG名称,RW,支付标准（职工）,支付标准（居民）\nBR25,x,0.5,3500,3000\nGB15,y,2,14000,12002\n", opts, "line 3: rate (standard / RW) 6001"},
	} {
		_, err := citylist.Convert(strings.NewReader(tc.in), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// FuzzConvert: any input is converted or refused with an error, never a
// panic, and a converted list's table parses and its standards are checked
// without error.
func FuzzConvert(f *testing.F) {
	f.Add("DRG编码,DRG名称,RW,支付标准（职工）,支付标准（居民）\nBR25,x,0.5,3500,3000\n")
	f.Add("DRG编码,DRG名称,权重,费率（三级）,支付标准（三级）,低倍临界值（三级）,高倍临界值（三级）\nBR25,x,0.5,9000,4500,1575,9000\n")
	f.Add("DRG编码,DRG名称,RW,基础病组,中医优势病组,一级医院系数,二级医院系数,三级医院系数,一级医院支付标准,二级医院支付标准,三级医院支付标准\nBR25,x,1,是,是,1.02,1.02,1.02,1020,1020,1020\n")
	opts := citylist.Options{Region: "f", RuleSet: "r", Valid: record.Period{From: record.DateOf(2024, 1, 1)}, Insured: citylist.Employee}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := citylist.Convert(strings.NewReader(in), opts)
		if err != nil {
			return
		}
		if _, err := c.Check(); err != nil {
			t.Fatalf("converted %q, but its price list does not compile: %v", in, err)
		}
	})
}
