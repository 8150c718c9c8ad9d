package twittertext

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

type oracleCase struct {
	Text     string `json:"text"`
	Weighted int    `json:"weighted"`
}

// The committed cases: strings whose weighted length twitter-text's own
// parseTweet computed (the file names the package version). Always runs.
func TestConformanceCases(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Oracle string       `json:"oracle"`
		Cases  []oracleCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 2000 || !strings.Contains(doc.Oracle, "twitter-text 3.") {
		t.Fatalf("testdata/cases.json: %d cases from %q; want thousands from twitter-text v3", len(doc.Cases), doc.Oracle)
	}
	checkCases(t, doc.Cases)
}

// The oracle itself on fresh strings: node runs twitter-text's parseTweet.
// Without node or the oracle's npm install it skips, except in CI.
func TestOracle(t *testing.T) {
	dir := filepath.Join("testdata", "oracle")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "twitter-text", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("twitter-text oracle unavailable in CI (.ci/run installs it): %v", err)
		}
		t.Skip("twitter-text oracle skipped: needs node and `npm ci` in " + dir)
	}
	// A fixed seed keeps CI deterministic; INBOXD_ORACLE_SEED=random (or a
	// number) explores other strings.
	seed := os.Getenv("INBOXD_ORACLE_SEED")
	switch seed {
	case "":
		seed = "11"
	case "random":
		seed = strconv.FormatInt(time.Now().UnixNano()%1_000_000_007, 10)
	}
	out, err := exec.Command(node, filepath.Join(dir, "cases.js"), seed, "2000").Output()
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	var cases []oracleCase
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c oracleCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	t.Logf("seed %s: %d strings", seed, len(cases))
	checkCases(t, cases)
}

func checkCases(t *testing.T, cases []oracleCase) {
	t.Helper()
	w := Weighting()
	bad := 0
	for _, c := range cases {
		if got := w.Count(c.Text); got != c.Weighted {
			bad++
			if bad <= 20 {
				t.Errorf("Count(%q) = %d; twitter-text says %d", c.Text, got, c.Weighted)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d strings counted differently from twitter-text", bad, len(cases))
	}
}

// The cases issue 11 names: what X refuses and what it accepts.
func TestWeightedExamples(t *testing.T) {
	long := "https://sukamajukab.go.id/" + strings.Repeat("a", 272-len("https://sukamajukab.go.id/"))
	cases := []struct {
		name string
		text string
		want int
	}{
		{"280 emoji weigh double", strings.Repeat("😀", 280), 560},
		{"200 CJK characters weigh double", strings.Repeat("漢", 200), 400},
		{"41 ZWJ families are 41 emoji", strings.Repeat("👨\u200d👩\u200d👧\u200d👦", 41), 82},
		{"a 272-character URL counts 23", long, 23},
		{"Latin counts 1", "Jalan rusak", 11},
		{"NFC first: e + combining acute is one", "e\u0301", 1},
		{"URL without protocol", "cek lapor.go.id ya", 30},
	}
	w := Weighting()
	for _, c := range cases {
		if got := w.Count(c.text); got != c.want {
			t.Errorf("%s: Count = %d, want %d", c.name, got, c.want)
		}
	}
}
