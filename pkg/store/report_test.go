package store

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// reportEnv is a deadline-aware store opened at a chosen moment, with a
// test-side log of what happened, to recount every report figure.
type reportEnv struct {
	*deadlineEnv
	loc      *time.Location
	ids      []string
	n        int
	closedAt map[string]time.Time
	// flows the test saw, by month "YYYY-MM" and unit
	closes, sent map[string]map[string]int64
	backlog      map[string]map[string]int64 // waiting items per unit at each month's end
}

func newReportEnv(t *testing.T, start time.Time) *reportEnv {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	d := &deadlineEnv{env: &env{t: t, clock: newClock(), ev: &events{}, path: filepath.Join(t.TempDir(), "inboxd.db")}}
	d.clock.t = start
	d.cal = calendar.Default(loc)
	span := func(s string) calendar.Span {
		sp, err := calendar.ParseSpan(s)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	d.pols = calendar.Policies{
		{Match: calendar.Match{Unit: "bpbd"}, FirstResponse: span("2h"), Resolution: span("1d")},
		{FirstResponse: span("4h"), Resolution: span("2d")},
	}
	r := &reportEnv{deadlineEnv: d, loc: loc, closedAt: map[string]time.Time{},
		closes: map[string]map[string]int64{}, sent: map[string]map[string]int64{}, backlog: map[string]map[string]int64{}}
	r.openReport()
	t.Cleanup(func() { r.s.Close() })
	return r
}

func (r *reportEnv) openReport() {
	r.t.Helper()
	s, err := Open(r.path, Options{Now: r.clock.Now, Logger: slog.New(slog.DiscardHandler), Location: r.loc,
		WorkingTime: r.cal.WorkingTimeBetween, Replies: testRules})
	if err != nil {
		r.t.Fatal(err)
	}
	r.s = s
}

func (r *reportEnv) month(t time.Time) string { return t.In(r.loc).Format("2006-01") }

func bump(m map[string]map[string]int64, month, unit string) {
	if m[month] == nil {
		m[month] = map[string]int64{}
	}
	m[month][unit]++
}

var (
	reportUnits = []string{"dpupr", "bpbd", "dinkes", ""}
	reportTags  = []string{"jalan", "banjir", "sampah", "listrik", "air", "izin", "pajak", "sekolah", "puskesmas", "lampu", "parkir", "pasar"}
)

// traffic plays steps of generated traffic on the fixed clock: items
// arriving, replies sent through the outbox and on the platform, status
// changes, moves between units, retagging.
func (r *reportEnv) traffic(rng *rand.Rand, until time.Time) {
	t := r.t
	t.Helper()
	for r.clock.Now().Before(until) {
		before := r.clock.Now()
		r.clock.Advance(time.Duration(15+rng.IntN(120)) * time.Minute)
		if r.month(before) != r.month(r.clock.Now()) {
			r.recordBacklog(r.month(before))
		}
		switch p := rng.IntN(100); {
		case p < 45 || len(r.ids) == 0:
			r.n++
			ch, kind := chFacebook, inbox.KindComment
			switch rng.IntN(4) {
			case 1:
				kind = inbox.KindMessage
			case 2:
				ch, kind = chTwitter, inbox.KindMention
			case 3:
				ch, kind = chTwitter, inbox.KindMessage
			}
			it := item(ch, kind, fmt.Sprintf("e%05d", r.n), "", fmt.Sprintf("a%d", r.n), r.clock.Now().Add(-time.Duration(rng.IntN(30))*time.Minute))
			it.Unit = reportUnits[rng.IntN(len(reportUnits))]
			for range rng.IntN(3) {
				it.Tags = append(it.Tags, reportTags[rng.IntN(len(reportTags))])
			}
			it.Backfill = rng.IntN(50) == 0
			r.ids = append(r.ids, r.ingest(r.withDeadlines(it))...)
		default:
			id := r.ids[rng.IntN(len(r.ids))]
			if recent := min(len(r.ids), 25); rng.IntN(10) < 7 { // mostly the latest items
				id = r.ids[len(r.ids)-1-rng.IntN(recent)]
			}
			it := r.get(id)
			r.act(rng, it)
		}
		if rng.IntN(40) == 0 {
			if _, err := r.s.CloseMonths(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// act changes one item the way an operator or the outbox would.
func (r *reportEnv) act(rng *rand.Rand, it inbox.Item) {
	t := r.t
	now := r.clock.Now()
	switch p := rng.IntN(10); {
	case p < 3 && it.Status.Waiting(): // reply through the outbox
		rep, _, err := r.s.EnqueueReply(it.ID, NewReply{Text: "Terima kasih, laporan Anda kami teruskan.", Author: "op"})
		if err != nil {
			t.Fatal(err)
		}
		c, ok, err := r.s.ClaimNext("acct")
		if err != nil || !ok || c.Reply.ID != rep.ID {
			t.Fatalf("claim: %v %v %+v", ok, err, c.Reply)
		}
		if _, err := r.s.MarkSent(rep.ID, "out-"+rep.ID); err != nil {
			t.Fatal(err)
		}
		bump(r.sent, r.month(now), it.Unit)
	case p < 4 && it.Status.Waiting() && it.Kind == inbox.KindComment: // answered on the platform
		ext := inbox.ExternalReply{Channel: it.Channel, Account: "acct", ExternalID: fmt.Sprintf("x%05d", rng.IntN(1<<30)), ParentExternalID: it.ExternalID,
			Text: "Sudah kami tindak lanjuti.", CreatedAt: now.Add(-time.Minute)}
		if _, err := r.s.Ingest("acct", nil, []inbox.ExternalReply{ext}, nil); err != nil {
			t.Fatal(err)
		}
		bump(r.sent, r.month(ext.CreatedAt), it.Unit)
	case p < 7: // a status change
		var next []inbox.Status
		for _, s := range inbox.Statuses {
			if inbox.CanTransition(it.Status, s) {
				next = append(next, s)
			}
		}
		if len(next) == 0 {
			return
		}
		st := next[rng.IntN(len(next))]
		if _, err := r.s.Update(it.ID, "op", Change{Status: &st, Deadlines: r.deadlines}); err != nil {
			t.Fatal(err)
		}
		if st == inbox.StatusClosed {
			r.closedAt[it.ID] = now
			bump(r.closes, r.month(now), it.Unit)
		} else {
			delete(r.closedAt, it.ID)
		}
	case p < 9: // moved to another unit
		u := reportUnits[rng.IntN(len(reportUnits))]
		if _, err := r.s.Update(it.ID, "op", Change{Unit: &u, Deadlines: r.deadlines}); err != nil {
			t.Fatal(err)
		}
	default:
		tags := []string{reportTags[rng.IntN(len(reportTags))]}
		if _, err := r.s.Update(it.ID, "op", Change{Tags: &tags}); err != nil {
			t.Fatal(err)
		}
	}
}

// recordBacklog counts the waiting items per unit item by item.
func (r *reportEnv) recordBacklog(month string) {
	m := map[string]int64{}
	for _, id := range r.ids {
		if it := r.get(id); it.Status.Waiting() {
			m[it.Unit]++
		}
	}
	r.backlog[month] = m
}

// recount computes a month's figures from the items themselves.
func (r *reportEnv) recount(month string) (map[string]*ReportFigures, map[string][2][]float64) {
	out := map[string]*ReportFigures{}
	times := map[string][2][]float64{}
	fig := func(u string) *ReportFigures {
		if out[u] == nil {
			out[u] = &ReportFigures{ReceivedByChannel: map[string]int64{}, ReceivedByKind: map[string]int64{}}
		}
		return out[u]
	}
	tags := map[string]map[string]int64{}
	for _, id := range r.ids {
		it := r.get(id)
		if r.month(it.ReceivedAt) != month {
			continue
		}
		for _, u := range []string{it.Unit, "*"} {
			f := fig(u)
			f.Received++
			f.ReceivedByChannel[string(it.Channel)]++
			f.ReceivedByKind[string(it.Kind)]++
			switch it.Status {
			case inbox.StatusAnswered:
				f.Answered++
			case inbox.StatusClosed:
				f.Closed++
			case inbox.StatusIgnored:
				f.Ignored++
			default:
				f.Waiting++
			}
			if tags[u] == nil {
				tags[u] = map[string]int64{}
			}
			for _, tg := range it.Tags {
				tags[u][tg]++
			}
			if it.Backfill {
				continue
			}
			if it.FirstResponseAt != nil {
				tm := times[u]
				tm[0] = append(tm[0], it.FirstResponseAt.Sub(it.ReceivedAt).Seconds())
				tm[1] = append(tm[1], r.cal.WorkingTimeBetween(it.CreatedAt, *it.FirstResponseAt).Seconds())
				times[u] = tm
			}
			if it.FirstResponseDueAt != nil {
				f.FirstResponseDeadline.WithDeadline++
				if it.FirstResponseAt != nil && !it.FirstResponseAt.After(*it.FirstResponseDueAt) {
					f.FirstResponseDeadline.Within++
				}
			}
			if it.ResolutionDueAt != nil {
				f.ResolutionDeadline.WithDeadline++
				if c, ok := r.closedAt[it.ID]; ok && it.Status == inbox.StatusClosed && !c.After(*it.ResolutionDueAt) {
					f.ResolutionDeadline.Within++
				}
			}
		}
	}
	for u, m := range tags {
		f := fig(u)
		f.TopTags = []TagCount{}
		for tg, n := range m {
			f.TopTags = append(f.TopTags, TagCount{tg, n})
		}
		sort.Slice(f.TopTags, func(i, j int) bool {
			a, b := f.TopTags[i], f.TopTags[j]
			return a.Count > b.Count || a.Count == b.Count && a.Tag < b.Tag
		})
		f.TopTags = f.TopTags[:min(len(f.TopTags), TopTags)]
	}
	for u, n := range r.closes[month] {
		fig(u).ClosedInMonth += n
		fig("*").ClosedInMonth += n
	}
	for u, n := range r.sent[month] {
		fig(u).RepliesSent += n
		fig("*").RepliesSent += n
	}
	for u, n := range r.backlog[month] {
		fig(u).BacklogEnd += n
		fig("*").BacklogEnd += n
	}
	for _, f := range out {
		for _, d := range []*DeadlineShare{&f.FirstResponseDeadline, &f.ResolutionDeadline} {
			if d.WithDeadline > 0 {
				d.Share = float64(d.Within) / float64(d.WithDeadline)
			}
		}
	}
	return out, times
}

// nearestRank is the exact p-quantile by nearest rank.
func nearestRank(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	k := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, k)]
}

func withinTolerance(got, want float64) bool {
	if want < 1 { // bucket 0 holds everything under a second
		return got <= 1
	}
	return math.Abs(got-want) <= PercentileTolerance*want
}

// checkFigures compares the report's figures of one unit with the recount.
func checkFigures(t *testing.T, what string, got ReportFigures, want *ReportFigures, times [2][]float64) {
	t.Helper()
	if want == nil {
		want = &ReportFigures{ReceivedByChannel: map[string]int64{}, ReceivedByKind: map[string]int64{}, TopTags: []TagCount{}}
	}
	if want.TopTags == nil {
		want.TopTags = []TagCount{}
	}
	g := got
	g.FirstResponse = ResponseTimes{}
	clean := func(m map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for k, v := range m {
			if v != 0 {
				out[k] = v
			}
		}
		return out
	}
	g.ReceivedByChannel, g.ReceivedByKind = clean(g.ReceivedByChannel), clean(g.ReceivedByKind)
	w := *want
	w.ReceivedByChannel, w.ReceivedByKind = clean(w.ReceivedByChannel), clean(w.ReceivedByKind)
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(w)
	if string(gj) != string(wj) {
		t.Errorf("%s:\n got  %s\n want %s", what, gj, wj)
	}
	fr := got.FirstResponse
	if fr.Count != int64(len(times[0])) {
		t.Errorf("%s: first responses %d, recount %d", what, fr.Count, len(times[0]))
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"p50", fr.P50Seconds, nearestRank(times[0], 0.5)},
		{"p90", fr.P90Seconds, nearestRank(times[0], 0.9)},
		{"p50 working", fr.P50WorkingSeconds, nearestRank(times[1], 0.5)},
		{"p90 working", fr.P90WorkingSeconds, nearestRank(times[1], 0.9)},
	} {
		if !withinTolerance(c.got, c.want) {
			t.Errorf("%s: %s = %.0f s, recount %.0f s (tolerance %.2f %%)", what, c.name, c.got, c.want, 100*PercentileTolerance)
		}
	}
}

func (r *reportEnv) checkReport(month string) Report {
	t := r.t
	t.Helper()
	y, m, err := ParseMonth(month)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.s.MonthlyReport(y, m, "")
	if err != nil {
		t.Fatal(err)
	}
	want, times := r.recount(month)
	pwant, ptimes := r.recount(rep.PreviousMonth)
	checkFigures(t, month+" total", rep.Total.ReportFigures, want["*"], times["*"])
	checkFigures(t, rep.PreviousMonth+" total (previous)", rep.Total.Previous, pwant["*"], ptimes["*"])
	seen := map[string]bool{}
	for _, u := range rep.Units {
		code := u.Unit
		if code == reservedNoUnit {
			code = ""
		}
		seen[code] = true
		checkFigures(t, month+" "+u.Unit, u.ReportFigures, want[code], times[code])
		checkFigures(t, rep.PreviousMonth+" "+u.Unit+" (previous)", u.Previous, pwant[code], ptimes[code])
	}
	for u, f := range want {
		if u != "*" && !seen[u] && f.Received+f.RepliesSent+f.ClosedInMonth+f.BacklogEnd > 0 {
			t.Errorf("%s: unit %q missing from the report", month, u)
		}
	}
	// A unit's own report is its line of the office's.
	for _, u := range rep.Units {
		one, err := r.s.MonthlyReport(y, m, u.Unit)
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Units) != 1 || one.Units[0].Unit != u.Unit {
			t.Fatalf("report of unit %s: units %+v", u.Unit, one.Units)
		}
		a, _ := json.Marshal(one.Units[0])
		b, _ := json.Marshal(u)
		if string(a) != string(b) {
			t.Errorf("unit %s alone:\n %s\nin the office's:\n %s", u.Unit, a, b)
		}
	}
	return rep
}

// A month of generated traffic (and the weeks around it) on a fixed clock:
// every figure of the report against a recount from the items and the
// test's own log; then the same file with the counters removed (as before
// this change) is backfilled at Open and gives the same reports.
func TestMonthlyReportAgainstRecount(t *testing.T) {
	start := time.Date(2026, 10, 27, 1, 0, 0, 0, time.UTC)
	r := newReportEnv(t, start)
	rng := rand.New(rand.NewPCG(17, 2026))
	r.traffic(rng, time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC))
	if _, err := r.s.CloseMonths(); err != nil {
		t.Fatal(err)
	}
	nov := r.checkReport("2026-11")
	if !nov.BacklogFinal || nov.Total.Received < 200 || nov.Total.FirstResponse.Count < 80 || nov.Total.ClosedInMonth == 0 ||
		nov.Total.RepliesSent == 0 || nov.Total.BacklogEnd == 0 || nov.Total.FirstResponseDeadline.WithDeadline == 0 ||
		nov.Total.ResolutionDeadline.Within == 0 || len(nov.Total.TopTags) != TopTags || len(nov.Units) != 4 {
		t.Fatalf("the generated month is too thin to test: %+v", nov.Total)
	}
	r.checkReport("2026-10")
	r.recordBacklog("2026-12") // not ended: the backlog now
	dec := r.checkReport("2026-12")
	if dec.BacklogFinal {
		t.Error("December has not ended, yet its backlog is called final")
	}
	checkConsistent(t, r.s)

	// The backfill: the same data without the report counters.
	live := map[string]string{}
	for _, m := range []string{"2026-10", "2026-11", "2026-12"} {
		live[m] = reportJSON(t, r.s, m, "")
		live[m+"/bpbd"] = reportJSON(t, r.s, m, "bpbd")
	}
	if err := r.s.Close(); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "before.db")
	copyFile(t, r.path, old)
	stripReportCounters(t, old)
	r.path = old
	r.openReport()
	for m, want := range live {
		month, unit, _ := strings.Cut(m, "/")
		if got := reportJSON(t, r.s, month, unit); got != want {
			t.Errorf("backfilled report %s differs:\n got  %s\n live %s", m, got, want)
		}
	}
}

func reportJSON(t *testing.T, s *Store, month, unit string) string {
	t.Helper()
	y, m, err := ParseMonth(month)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.MonthlyReport(y, m, unit)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stripReportCounters makes path look like a file from before the report
// counters: no report buckets, no report marks in meta.
func stripReportCounters(t testing.TB, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bReport, bReportClosed} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		for _, k := range [][]byte{metaReportDone, metaReportAt, metaReportSnap} {
			if err := meta.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The month-close snapshot is taken once, at the first moment the daemon
// runs after the boundary, even when it was down over midnight and items
// came and went before the snapshot was taken.
func TestMonthCloseSnapshotAfterDowntime(t *testing.T) {
	r := newReportEnv(t, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)) // 16:00 WIB
	var ids []string
	for i, u := range []string{"dpupr", "dpupr", "bpbd", "", "dpupr"} {
		it := item(chFacebook, inbox.KindComment, fmt.Sprintf("s%d", i), "", "w", r.clock.Now())
		it.Unit = u
		ids = append(ids, r.ingest(r.withDeadlines(it))...)
		r.clock.Advance(time.Minute)
	}
	closed := inbox.StatusClosed
	must[inbox.Item](t)(r.s.Update(ids[4], "op", Change{Status: &closed})) // dpupr: 2 waiting, bpbd 1, none 1
	// Down from 23:00 WIB on 30 November to 02:00 WIB on 1 December.
	r.clock.t = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)
	r.s.Close()
	r.clock.t = time.Date(2026, 11, 30, 19, 0, 0, 0, time.UTC)
	r.openReport()
	// Before the first tick: a new item in dpupr, one answered in bpbd,
	// one dpupr item moved to bpbd.
	it := item(chTwitter, inbox.KindMention, "late", "", "w", r.clock.Now())
	it.Unit = "dpupr"
	r.ingest(it)
	answered := inbox.StatusAnswered
	must[inbox.Item](t)(r.s.Update(ids[2], "op", Change{Status: &answered}))
	bpbd := "bpbd"
	must[inbox.Item](t)(r.s.Update(ids[0], "op", Change{Unit: &bpbd}))

	months, err := r.s.CloseMonths()
	if err != nil || !slices.Equal(months, []string{"2026-11"}) {
		t.Fatalf("CloseMonths = %v, %v; want [2026-11]", months, err)
	}
	want := map[string]int64{"dpupr": 2, "bpbd": 1, "-": 1}
	check := func() {
		t.Helper()
		rep := must[Report](t)(r.s.MonthlyReport(2026, time.November, ""))
		if !rep.BacklogFinal {
			t.Error("November's backlog is not final after the snapshot")
		}
		got := map[string]int64{}
		for _, u := range rep.Units {
			if u.BacklogEnd != 0 {
				got[u.Unit] = u.BacklogEnd
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || rep.Total.BacklogEnd != 4 {
			t.Errorf("backlog at the end of November = %v (total %d), want %v (total 4)", got, rep.Total.BacklogEnd, want)
		}
	}
	check()
	// Taken once: later ticks and later changes leave it alone.
	reopened := inbox.StatusOpen
	must[inbox.Item](t)(r.s.Update(ids[4], "op", Change{Status: &reopened}))
	r.clock.Advance(time.Hour)
	if months, err := r.s.CloseMonths(); err != nil || len(months) != 0 {
		t.Fatalf("second CloseMonths = %v, %v; want nothing", months, err)
	}
	r.s.Close()
	r.openReport()
	if months, err := r.s.CloseMonths(); err != nil || len(months) != 0 {
		t.Fatalf("CloseMonths after a restart = %v, %v; want nothing", months, err)
	}
	check()
	// December's is taken when December ends, after a long downtime too.
	r.clock.t = time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC)
	months, err = r.s.CloseMonths()
	if err != nil || !slices.Equal(months, []string{"2026-12", "2027-01"}) {
		t.Fatalf("CloseMonths in February = %v, %v", months, err)
	}
	jan := must[Report](t)(r.s.MonthlyReport(2027, time.January, ""))
	if !jan.BacklogFinal || jan.Total.BacklogEnd != 5 {
		t.Errorf("January: final %v backlog %d, want the 5 waiting items", jan.BacklogFinal, jan.Total.BacklogEnd)
	}
}

func TestParseMonth(t *testing.T) {
	for _, bad := range []string{"", "2026", "2026-13", "2026-1", "11-2026", "2026-11-01", "2026/11"} {
		if _, _, err := ParseMonth(bad); !isValidation(err) {
			t.Errorf("ParseMonth(%q) = %v, want a validation error on month", bad, err)
		} else {
			wantValidation(t, err, "month")
		}
	}
	if y, m, err := ParseMonth("2026-11"); err != nil || y != 2026 || m != time.November {
		t.Errorf("ParseMonth(2026-11) = %d %v %v", y, m, err)
	}
}
