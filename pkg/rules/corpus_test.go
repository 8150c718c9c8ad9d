package rules_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/rules"
	"github.com/inboxd/inboxd/pkg/sim"
)

// sample is one labelled message of testdata/*.jsonl.
type sample struct {
	Unit string `json:"unit"`
	Spam bool   `json:"spam"`
	Text string `json:"text"`
}

func loadCorpus(t testing.TB, name string) []sample {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var s sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s:%d: %v", name, n, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// shippedRules is the routing: list of config.example.yaml, as the daemon
// would run it.
func shippedRules(t testing.TB) (*rules.Set, []string) {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "config.example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := cfg.RuleSet()
	if err != nil {
		t.Fatal(err)
	}
	return set, cfg.UnitCodes()
}

// shippedRuleList is the routing: list of config.example.yaml.
func shippedRuleList(t testing.TB) []rules.Rule {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "config.example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Routing
}

// score is how a rule set did on a corpus.
type score struct {
	routable, right, wrong, unrouted int // routable messages and where they went
	quiet, quietRouted               int // messages that must stay unrouted
	spam, spamIgnored                int
	tp, fp, fn                       map[string]int
	misses                           []string
}

func (s score) pct(n, of int) float64 {
	if of == 0 {
		return 100
	}
	return 100 * float64(n) / float64(of)
}

func evaluate(set *rules.Set, corpus []sample) score {
	s := score{tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}}
	for _, m := range corpus {
		r, _ := set.Match(rules.Input{Text: m.Text})
		switch {
		case m.Spam:
			s.spam++
			if r.Status == "ignored" {
				s.spamIgnored++
			} else {
				s.misses = append(s.misses, fmt.Sprintf("spam not ignored (rule %q): %s", r.Rule, m.Text))
			}
			if r.Unit != "" {
				s.fp[r.Unit]++
			}
		case m.Unit == "":
			s.quiet++
			if r.Unit != "" || r.Status == "ignored" {
				s.quietRouted++
				s.fp[r.Unit]++
				s.misses = append(s.misses, fmt.Sprintf("unroutable sent to %q by %q: %s", r.Unit, r.Rule, m.Text))
			}
		default:
			s.routable++
			switch r.Unit {
			case m.Unit:
				s.right++
				s.tp[m.Unit]++
			case "":
				s.unrouted++
				s.fn[m.Unit]++
				s.misses = append(s.misses, fmt.Sprintf("%s unrouted (rule %q): %s", m.Unit, r.Rule, m.Text))
			default:
				s.wrong++
				s.fn[m.Unit]++
				s.fp[r.Unit]++
				s.misses = append(s.misses, fmt.Sprintf("%s sent to %s by %q: %s", m.Unit, r.Unit, r.Rule, m.Text))
			}
		}
	}
	return s
}

// stated reads the minimums docs/ROUTING.md states, from its line
// "Checked by TestShippedRulesAccuracy: ...".
var statedRE = regexp.MustCompile(`(?m)^Checked by TestShippedRulesAccuracy: corpus right >= ([0-9.]+)%, wrong <= ([0-9.]+)%; ` +
	`held out right >= ([0-9.]+)%, wrong <= ([0-9.]+)%; spam ignored 100%; unroutable routed <= ([0-9.]+)%\.$`)

func stated(t *testing.T) (corpusRight, corpusWrong, holdRight, holdWrong, quiet float64) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "ROUTING.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := statedRE.FindSubmatch(doc)
	if m == nil {
		t.Fatalf("docs/ROUTING.md has no line matching %s", statedRE)
	}
	f := func(i int) float64 {
		v, err := strconv.ParseFloat(string(m[i]), 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return f(1), f(2), f(3), f(4), f(5)
}

// TestShippedRulesAccuracy measures the rules of config.example.yaml on the
// labelled corpus and the held-out set, and fails when they do worse than
// docs/ROUTING.md states. -v prints the per-unit table for the docs.
func TestShippedRulesAccuracy(t *testing.T) {
	set, units := shippedRules(t)
	cRight, cWrong, hRight, hWrong, quietMax := stated(t)
	for _, tc := range []struct {
		file         string
		right, wrong float64
	}{{"corpus.jsonl", cRight, cWrong}, {"holdout.jsonl", hRight, hWrong}} {
		corpus := loadCorpus(t, tc.file)
		s := evaluate(set, corpus)
		right, wrong := s.pct(s.right, s.routable), s.pct(s.wrong, s.routable)
		t.Logf("%s: %d messages; routable %d: right %.1f%%, wrong unit %.1f%%, unrouted %.1f%%; unroutable %d, routed %d; spam %d, ignored %d",
			tc.file, len(corpus), s.routable, right, wrong, s.pct(s.unrouted, s.routable), s.quiet, s.quietRouted, s.spam, s.spamIgnored)
		if testing.Verbose() {
			t.Logf("\n%s", table(s, units))
			for _, m := range s.misses {
				t.Log(m)
			}
		}
		if right < tc.right {
			t.Errorf("%s: %.1f%% of routable messages to the right unit, docs state >= %.1f%%", tc.file, right, tc.right)
		}
		if wrong > tc.wrong {
			t.Errorf("%s: %.1f%% to a wrong unit, docs state <= %.1f%%", tc.file, wrong, tc.wrong)
		}
		if s.spamIgnored != s.spam {
			t.Errorf("%s: %d of %d spam messages ignored, docs state all", tc.file, s.spamIgnored, s.spam)
		}
		if q := s.pct(s.quietRouted, s.quiet); q > quietMax {
			t.Errorf("%s: %.1f%% of unroutable messages routed, docs state <= %.1f%%", tc.file, q, quietMax)
		}
	}
}

// table is the per-unit precision and recall, as docs/ROUTING.md shows it.
func table(s score, units []string) string {
	var b strings.Builder
	b.WriteString("| unit | messages | precision | recall |\n|---|---:|---:|---:|\n")
	for _, u := range slices.Sorted(slices.Values(units)) {
		n := s.tp[u] + s.fn[u]
		prec, rec := "-", "-"
		if s.tp[u]+s.fp[u] > 0 {
			prec = fmt.Sprintf("%.0f%%", s.pct(s.tp[u], s.tp[u]+s.fp[u]))
		}
		if n > 0 {
			rec = fmt.Sprintf("%.0f%%", s.pct(s.tp[u], n))
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", u, n, prec, rec)
	}
	return b.String()
}

// The demo's citizens (pkg/sim) write in the topic families of the shipped
// rules with their own phrasing: every message must arrive where its topic
// says, and its spam ignored, so a new user sees routing work.
func TestDemoMessagesRouteAsTheirTopic(t *testing.T) {
	set, _ := shippedRules(t)
	g := sim.NewGenerator(7)
	for range 3000 {
		m := g.Next()
		r, _ := set.Match(rules.Input{Text: m.Text})
		switch {
		case m.Unit == "spam" && r.Status != "ignored":
			t.Errorf("spam not ignored (rule %q): %s", r.Rule, m.Text)
		case m.Unit != "spam" && (r.Unit != m.Unit || r.Status != ""):
			t.Errorf("%s message routed to %q (rule %q, status %q): %s", m.Topic, r.Unit, r.Rule, r.Status, m.Text)
		}
	}
}
