package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/medpay/drg/grouper/batch"
	"github.com/medpay/drg/grouper/report"
)

// progressMode is how --progress reports a long run.
type progressMode string

// The progress modes.
const (
	progressAuto  progressMode = ""      // a live line on a terminal, nothing otherwise
	progressOn    progressMode = "on"    // bare --progress: live on a terminal, plain lines otherwise
	progressTTY   progressMode = "tty"   // a line rewritten in place (carriage returns)
	progressPlain progressMode = "plain" // a line every --progress-every, for logs
	progressNone  progressMode = "none"
)

// progressFlag is --progress: a bool flag (bare --progress) that also
// takes a mode (--progress=plain; "--progress plain" is joined by
// joinProgressArg).
type progressFlag struct{ mode progressMode }

func (p *progressFlag) String() string { return string(p.mode) }

func (p *progressFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "on":
		p.mode = progressOn
	case "false", "none", "off":
		p.mode = progressNone
	case "auto":
		p.mode = progressAuto
	case "tty", "plain":
		p.mode = progressMode(strings.ToLower(s))
	default:
		return fmt.Errorf("%q is not auto, tty, plain or none", s)
	}
	return nil
}

func (p *progressFlag) IsBoolFlag() bool { return true }

// joinProgressArg turns "--progress MODE" into "--progress=MODE": the flag
// package gives a bool flag no separate value, and a mode left apart would
// be read as an input file.
func joinProgressArg(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "--progress" || a == "-progress") && i+1 < len(args) {
			switch args[i+1] {
			case "auto", "tty", "plain", "none", "on", "off":
				out = append(out, a+"="+args[i+1])
				i++
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// resolve picks the mode for a run: bare --progress means live on a
// terminal and plain lines in a log.
func (p progressMode) resolve(tty bool) progressMode {
	switch p {
	case progressAuto:
		if tty {
			return progressTTY
		}
		return progressNone
	case progressOn:
		if tty {
			return progressTTY
		}
		return progressPlain
	}
	return p
}

// progress reports a run's progress: the share of the inputs' bytes read
// (when their sizes are known), records, rejects, records/s and the time
// left.
type progress struct {
	w     io.Writer
	mode  progressMode
	lang  report.Lang
	total int64        // bytes of every input; 0 when one is a stream
	read  atomic.Int64 // bytes read from the inputs, as stored (compressed)
	start time.Time
	now   func() time.Time
}

func newProgress(w io.Writer, mode progressMode, lang report.Lang, inputs []string) *progress {
	p := &progress{w: w, mode: mode, lang: lang, start: time.Now(), now: time.Now}
	for _, f := range inputs {
		fi, err := os.Stat(f)
		if f == "-" || err != nil || !fi.Mode().IsRegular() {
			p.total = 0
			break
		}
		p.total += fi.Size()
	}
	return p
}

// countingReader counts the bytes read through it into n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// update is batch.Job.Progress.
func (p *progress) update(file string, base, s batch.Stats, done bool) {
	if done {
		if p.mode == progressTTY {
			fmt.Fprintln(p.w)
		}
		return
	}
	line := p.line(file, base.Records+s.Records, base.Rejected+s.Rejected, p.read.Load(), p.now().Sub(p.start))
	if p.mode == progressTTY {
		fmt.Fprintf(p.w, "\r%s   ", line)
		return
	}
	fmt.Fprintf(p.w, "drg group: %s\n", line)
}

// line formats one progress report: records and rejects so far, the share
// read and the time left when the inputs' size is known, the rate.
func (p *progress) line(file string, records, rejected, read int64, elapsed time.Duration) string {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(records) / elapsed.Seconds()
	}
	var pct, eta string
	if p.total > 0 && read > 0 {
		f := min(float64(read)/float64(p.total), 1)
		pct = fmt.Sprintf("%.1f%% ", f*100)
		left := time.Duration(float64(elapsed) * (1 - f) / f).Round(time.Second)
		eta = left.String()
	}
	if p.lang == report.Chinese {
		s := fmt.Sprintf("%s: %s%s 条记录，拒收 %s，%s 条/秒", file, pct, num(records), num(rejected), num(int64(rate)))
		if eta != "" {
			s += "，预计剩余 " + eta
		}
		return s
	}
	s := fmt.Sprintf("%s: %s%s records, %s rejected, %s records/s", file, pct, num(records), num(rejected), num(int64(rate)))
	if eta != "" {
		s += ", ETA " + eta
	}
	return s
}
