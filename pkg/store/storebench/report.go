package storebench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

// readMemory returns RssAnon and RssFile of this process in kB.
func readMemory() ([2]float64, error) {
	var out [2]float64
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return out, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "RssAnon" && name != "RssFile") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return out, fmt.Errorf("/proc/self/status %s: %w", name, err)
		}
		if name == "RssAnon" {
			out[0] = v
		} else {
			out[1] = v
		}
	}
	return out, sc.Err()
}

// figure is one row of the table.
type figure struct {
	name    string
	format  string
	get     func(r *Result) float64
	noRatio bool // a figure of one store's own chores, not comparable
}

var figures = []figure{
	{"durable ingest items/s", "%.0f", func(r *Result) float64 { return r.FillRate }, false},
	{"ingest, last 10 % items/s", "%.0f", func(r *Result) float64 { return r.LastTenthRate }, false},
	{"page p50 ms", "%.2f", func(r *Result) float64 { return r.PageP50 }, false},
	{"page p99 ms", "%.2f", func(r *Result) float64 { return r.PageP99 }, false},
	{"re-ingest items/s", "%.0f", func(r *Result) float64 { return r.ReingestRate }, false},
	{"list p50 µs", "%.0f", func(r *Result) float64 { return r.ListP50 }, false},
	{"list p99 µs", "%.0f", func(r *Result) float64 { return r.ListP99 }, false},
	{"stats p50 µs", "%.1f", func(r *Result) float64 { return r.StatsP50 }, false},
	{"stats p99 µs", "%.1f", func(r *Result) float64 { return r.StatsP99 }, false},
	{"stats CPU p50 µs", "%.1f", func(r *Result) float64 { return r.StatsCPUP50 }, false},
	{"stats CPU p99 µs", "%.1f", func(r *Result) float64 { return r.StatsCPUP99 }, false},
	{"fixed loop CPU p50 µs (machine baseline)", "%.1f", func(r *Result) float64 { return r.BaselineCPUP50 }, false},
	{"fixed loop CPU p99 µs (machine baseline)", "%.1f", func(r *Result) float64 { return r.BaselineCPUP99 }, false},
	{"file bytes/item", "%.0f", func(r *Result) float64 { return r.BytesPerItem }, false},
	{"RssAnon MB", "%.1f", func(r *Result) float64 { return r.RssAnonMB }, false},
	{"RssFile MB", "%.1f", func(r *Result) float64 { return r.RssFileMB }, false},
	{"reopen ms", "%.1f", func(r *Result) float64 { return r.ReopenMS }, false},
	{"page groups (ready at once)", "%.0f", func(r *Result) float64 { return float64(r.Groups) }, true},
	{"triage s (untimed)", "%.1f", func(r *Result) float64 { return r.SettleSeconds }, true},
}

// PrintTable writes one Markdown table: a row per figure, a column per
// result (in run order), and, when both are present, the ratio of the first
// store to the second for each run (runs[i] holds one result per store).
func PrintTable(w io.Writer, runs [][]Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	head := []string{"figure"}
	for i, run := range runs {
		for _, r := range run {
			head = append(head, fmt.Sprintf("%s #%d", r.Store, i+1))
		}
		if len(run) == 2 {
			head = append(head, fmt.Sprintf("%s/%s #%d", run[0].Store, run[1].Store, i+1))
		}
	}
	fmt.Fprintln(tw, "| "+strings.Join(head, "\t| ")+"\t|")
	fmt.Fprintln(tw, "|"+strings.Repeat("---\t|", len(head)))
	for _, f := range figures {
		row := []string{f.name}
		for _, run := range runs {
			for i := range run {
				row = append(row, fmt.Sprintf(f.format, f.get(&run[i])))
			}
			if len(run) == 2 {
				if d := f.get(&run[1]); d != 0 && !f.noRatio {
					row = append(row, fmt.Sprintf("%.2f", f.get(&run[0])/d))
				} else {
					row = append(row, "–")
				}
			}
		}
		fmt.Fprintln(tw, "| "+strings.Join(row, "\t| ")+"\t|")
	}
	tw.Flush()
}
