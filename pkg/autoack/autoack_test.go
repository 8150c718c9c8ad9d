package autoack

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var jakarta = func() *time.Location {
	l, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		panic(err)
	}
	return l
}()

type fixture struct {
	t     *testing.T
	st    *store.Store
	now   time.Time
	acker *Acker
	n     int
}

func newFixture(t *testing.T, policy Policy) *fixture {
	t.Helper()
	f := &fixture{t: t}
	st, err := store.Open(filepath.Join(t.TempDir(), "inboxd.db"), store.Options{
		Replies: inbox.MustReplyRules(facebook.Replies(), twitter.Replies()), Location: jakarta,
		Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	natal, _ := calendar.ParseDate("2026-12-25")
	cal, err := calendar.New(jakarta, calendar.DefaultWeek(), nil, []calendar.Holiday{{Date: natal, Name: "Kelahiran Yesus Kristus"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range []inbox.Template{
		{Name: "diterima", Text: "Terima kasih, {nama}. Laporan (nomor tiket {tiket}) kami terima."},
		{Name: "diterima-luar-jam", Text: "Terima kasih, {nama}. Pesan (nomor tiket {tiket}) kami terima di luar jam layanan."},
	} {
		if _, err := st.CreateTemplate("seed", tp); err != nil {
			t.Fatal(err)
		}
	}
	f.acker = New(st, calendar.NewLive(&calendar.Office{Calendar: cal}), func() time.Time { return f.now }, slog.New(slog.DiscardHandler))
	f.acker.SetPolicies(map[string]Policy{"fb": policy})
	return f
}

func defaultPolicy() Policy {
	return Policy{OfficeHoursTemplate: "diterima", AfterHoursTemplate: "diterima-luar-jam", Kinds: []inbox.Kind{inbox.KindMessage},
		QuietPeriod: 24 * time.Hour, OwnID: "page-1"}
}

// message ingests a Messenger message of author in thread and acknowledges it.
func (f *fixture) message(thread, author string, kind inbox.Kind) string {
	f.t.Helper()
	f.n++
	it := inbox.Item{Channel: chFacebook, Account: "fb", Kind: kind, ExternalID: "m" + strings.Repeat("x", f.n),
		ThreadID: thread, Author: inbox.Author{ID: author, Name: "Siti"}, Text: "Jalan berlubang", CreatedAt: f.now}
	res, err := f.st.Ingest("fb", []inbox.Item{it}, nil, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.acker.Acknowledge(context.Background(), "fb", res.NewIDs)
	return res.NewIDs[0]
}

func (f *fixture) acks(id string) []inbox.Reply {
	f.t.Helper()
	page, err := f.st.Replies(store.ReplyFilter{ItemID: id})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []inbox.Reply
	for _, r := range page.Replies {
		if r.Auto {
			out = append(out, r)
		}
	}
	return out
}

func TestOfficeHoursOrAfterHoursOnAFixedClock(t *testing.T) {
	for _, c := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"Monday 10.00", time.Date(2026, 12, 7, 10, 0, 0, 0, jakarta), "diterima"},
		{"Monday 07.30, opening", time.Date(2026, 12, 7, 7, 30, 0, 0, jakarta), "diterima"},
		{"Monday 16.00, closing", time.Date(2026, 12, 7, 16, 0, 0, 0, jakarta), "diterima-luar-jam"},
		{"Monday 20.00", time.Date(2026, 12, 7, 20, 0, 0, 0, jakarta), "diterima-luar-jam"},
		{"Saturday 10.00", time.Date(2026, 12, 12, 10, 0, 0, 0, jakarta), "diterima-luar-jam"},
		{"Christmas, a Friday, 10.00", time.Date(2026, 12, 25, 10, 0, 0, 0, jakarta), "diterima-luar-jam"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, defaultPolicy())
			f.now = c.at
			id := f.message("t1", "u1", inbox.KindMessage)
			acks := f.acks(id)
			if len(acks) != 1 || acks[0].Template != c.want || acks[0].Author != Actor || !acks[0].Auto {
				t.Fatalf("acks %+v, want one with %s", acks, c.want)
			}
			it, _ := f.st.Get(id)
			if !strings.Contains(acks[0].Text, it.Ticket) || !strings.HasPrefix(acks[0].Text, "Terima kasih, Siti.") {
				t.Errorf("text %q", acks[0].Text)
			}
		})
	}
}

func TestWhatIsNeverAcknowledged(t *testing.T) {
	f := newFixture(t, defaultPolicy())
	f.now = time.Date(2026, 12, 7, 10, 0, 0, 0, jakarta)
	if id := f.message("t1", "page-1", inbox.KindMessage); len(f.acks(id)) != 0 {
		t.Error("the office's own message was acknowledged")
	}
	if id := f.message("p1", "u2", inbox.KindComment); len(f.acks(id)) != 0 {
		t.Error("a comment was acknowledged with kinds [message]")
	}
	// The quiet period is per case: the same author in the same thread
	// is acknowledged once; another author, or the same one a day later,
	// again.
	first := f.message("t2", "u3", inbox.KindMessage)
	second := f.message("t2", "u3", inbox.KindMessage)
	other := f.message("t2", "u4", inbox.KindMessage)
	if len(f.acks(first)) != 1 || len(f.acks(second)) != 0 || len(f.acks(other)) != 1 {
		t.Errorf("quiet period: %d %d %d", len(f.acks(first)), len(f.acks(second)), len(f.acks(other)))
	}
	// Acknowledging the same item again (a retried page) never makes a second.
	f.now = f.now.Add(25 * time.Hour)
	f.acker.Acknowledge(context.Background(), "fb", []string{first})
	if n := len(f.acks(first)); n != 1 {
		t.Errorf("item acknowledged %d times", n)
	}
	if later := f.message("t2", "u3", inbox.KindMessage); len(f.acks(later)) != 1 {
		t.Error("after the quiet period the case was not acknowledged")
	}
	// An account without a policy is left alone.
	f.acker.SetPolicies(map[string]Policy{})
	if id := f.message("t9", "u9", inbox.KindMessage); len(f.acks(id)) != 0 {
		t.Error("acknowledged without a policy")
	}
}
