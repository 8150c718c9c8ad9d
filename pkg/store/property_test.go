package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// indexBuckets are the buckets rebuilt from items and replies by recount.
var indexBuckets = [][]byte{
	bIxStatus, bIxStatusUnit, bIxAccount, bIxChannelKind, bIxAssignee, bIxTag,
	bIxThreadAuthor, bTicketFirst, bIxExtRef, bIxDue, bIxOverdue,
	bRxItem, bRxState, bRxAccount, bRxAccountState, bOutbox, bRxPending,
}

// checkConsistent rebuilds every counter and index from the items and
// replies alone and compares them with what the incremental writes left.
func checkConsistent(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		wantCounters := map[string]int64{}
		wantIx := map[string]map[string]string{}
		for _, b := range indexBuckets {
			wantIx[string(b)] = map[string]string{}
		}
		items := map[string]inbox.Item{}
		answered := 0
		if err := tx.Bucket(bItems).ForEach(func(k, v []byte) error {
			var it inbox.Item
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			if it.ID != idString(k) {
				return fmt.Errorf("item key %s holds id %s", idString(k), it.ID)
			}
			items[it.ID] = it
			for _, c := range itemCounters(&it) {
				wantCounters[c]++
			}
			for _, e := range itemIndex(&it, k) {
				wantIx[string(e.bucket)][string(e.key)] = string(e.val)
			}
			if _, seen := wantIx[string(bTicketFirst)][it.Ticket]; it.Ticket != "" && !seen {
				wantIx[string(bTicketFirst)][it.Ticket] = string(k) // ids come in order: the first
			}
			if got := tx.Bucket(bDedup).Get(dedupKey(string(it.Channel), it.Account, it.ExternalID)); !bytes.Equal(got, k) {
				return fmt.Errorf("dedup of %s points at %x", it.ID, got)
			}
			if it.AnsweredAt != nil && !it.Backfill {
				answered++
			}
			return nil
		}); err != nil {
			return err
		}
		if n := tx.Bucket(bDedup).Stats().KeyN; n != len(items) {
			return fmt.Errorf("%d dedup keys for %d items", n, len(items))
		}
		if err := tx.Bucket(bReplies).ForEach(func(k, v []byte) error {
			var r inbox.Reply
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			it, ok := items[r.ItemID]
			if !ok {
				return fmt.Errorf("reply %s of missing item %s", r.ID, r.ItemID)
			}
			for _, c := range replyCounters(&r, it.Unit) {
				wantCounters[c]++
			}
			for _, e := range replyIndex(&r, k, &it) {
				wantIx[string(e.bucket)][string(e.key)] = string(e.val)
			}
			return nil
		}); err != nil {
			return err
		}
		gotCounters := map[string]int64{}
		if err := tx.Bucket(bCounters).ForEach(func(k, v []byte) error {
			gotCounters[string(k)] = int64(binary.BigEndian.Uint64(v))
			return nil
		}); err != nil {
			return err
		}
		if fmt.Sprint(gotCounters) != fmt.Sprint(wantCounters) {
			return fmt.Errorf("counters differ from a recount:\n got %v\nwant %v", gotCounters, wantCounters)
		}
		for _, b := range indexBuckets {
			got := map[string]string{}
			if err := tx.Bucket(b).ForEach(func(k, v []byte) error { got[string(k)] = string(v); return nil }); err != nil {
				return err
			}
			if len(got) != len(wantIx[string(b)]) {
				return fmt.Errorf("index %s has %d keys, a rebuild has %d", b, len(got), len(wantIx[string(b)]))
			}
			for k, v := range got {
				if want, ok := wantIx[string(b)][k]; !ok || want != v {
					return fmt.Errorf("index %s key %q: value %x, a rebuild has %x (present %v)", b, k, v, want, ok)
				}
			}
		}
		if err := checkTickets(tx, items); err != nil {
			return err
		}
		var h hist
		h.addEncoded(nil)
		if err := tx.Bucket(bRespMonth).ForEach(func(k, v []byte) error {
			if k[0] == 1 {
				h.addEncoded(v)
			}
			return nil
		}); err != nil {
			return err
		}
		if int(h.count()) != answered {
			return fmt.Errorf("monthly first responses %d, answered non-backfill items %d", h.count(), answered)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Stats agree with a brute-force count over a full list.
	all, err := s.List(Filter{Limit: MaxLimit, Order: OldestFirst})
	if err != nil {
		t.Fatal(err)
	}
	var items []inbox.Item
	for f := (Filter{Limit: MaxLimit, Order: OldestFirst}); ; {
		p, err := s.List(f)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, p.Items...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	_ = all
	for _, unit := range []string{"", "dinkes", "-"} {
		st, err := s.Stats(unit)
		if err != nil {
			t.Fatal(err)
		}
		byStatus := map[inbox.Status]int64{}
		var oldest *time.Time
		for i := range items {
			it := items[i]
			if unit != "" && it.Unit != unitFilter(unit) {
				continue
			}
			byStatus[it.Status]++
			if it.Waiting() && (oldest == nil || it.ReceivedAt.Before(*oldest)) {
				oldest = &it.ReceivedAt
			}
		}
		for _, status := range inbox.Statuses {
			if st.ByStatus[status] != byStatus[status] {
				t.Fatalf("Stats(%q) %s = %d, count %d", unit, status, st.ByStatus[status], byStatus[status])
			}
		}
		if (oldest == nil) != (st.OldestWaiting == nil) || (oldest != nil && !oldest.Equal(*st.OldestWaiting)) {
			t.Fatalf("Stats(%q) oldest waiting %v, count %v", unit, st.OldestWaiting, oldest)
		}
	}
}

func propertyIterations() int {
	if n, err := strconv.Atoi(os.Getenv("INBOXD_PROPERTY_ITERS")); err == nil && n > 0 {
		return n
	}
	return 400
}

func TestCountersEqualRecountAfterRandomOperations(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			randomOperations(t, seed, propertyIterations())
		})
	}
}

func randomOperations(t *testing.T, seed uint64, steps int) {
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	e := newEnv(t)
	units := []string{"", "dinkes", "dishub", "pupr"}
	threads := []string{"p1", "p2", "p3", ""}
	authors := []string{"a", "b", "c"}
	var itemIDs, replyIDs []string
	next := 0
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	for step := range steps {
		switch op := rng.IntN(100); {
		case op < 20: // a poll page, partly re-read
			var page []inbox.Item
			for range rng.IntN(6) {
				n := next
				if next > 0 && rng.IntN(4) == 0 {
					n = rng.IntN(next) // seen before
				} else {
					next++
				}
				ch, kind := chFacebook, inbox.KindComment
				if n%3 == 0 {
					ch, kind = chTwitter, inbox.KindMention
				}
				it := item(ch, kind, extID(n), threads[n%len(threads)], authors[n%len(authors)], e.clock.Now().Add(-time.Duration(rng.IntN(3600))*time.Second))
				it.Backfill = rng.IntN(10) == 0
				it.Account = ""
				page = append(page, it)
			}
			var ext []inbox.ExternalReply
			if next > 0 && rng.IntN(3) == 0 {
				n := rng.IntN(next)
				ch := chFacebook
				if n%3 == 0 {
					ch = chTwitter
				}
				ext = append(ext, inbox.ExternalReply{Channel: ch, ExternalID: fmt.Sprint("ext", rng.IntN(40)), ParentExternalID: extID(n), CreatedAt: e.clock.Now()})
			}
			res, err := e.s.Ingest("acct", page, ext, []byte(fmt.Sprint("c", step%5)))
			if err != nil {
				t.Fatal(err)
			}
			itemIDs = append(itemIDs, res.NewIDs...)
		case op < 45 && len(itemIDs) > 0: // triage
			ch := Change{}
			if rng.IntN(2) == 0 {
				ch.Status = ptr(inbox.Statuses[rng.IntN(len(inbox.Statuses))])
			}
			if rng.IntN(3) == 0 {
				ch.Unit = ptr(pick(units))
			}
			if rng.IntN(4) == 0 {
				ch.Assignee = ptr(pick([]string{"", "budi", "siti"}))
			}
			if rng.IntN(4) == 0 {
				ch.Tags = ptr([]string{pick([]string{"x", "Y", "z"}), pick([]string{"x", "w"})})
			}
			if rng.IntN(5) == 0 {
				ch.Priority = ptr(inbox.Priorities[rng.IntN(4)])
			}
			_, err := e.s.Update(pick(itemIDs), "op", ch)
			var te *inbox.TransitionError
			if err != nil && !asErr(err, &te) {
				t.Fatal(err)
			}
		case op < 60 && len(itemIDs) > 0:
			r, _, err := e.s.EnqueueReply(pick(itemIDs), NewReply{Text: "ok", IdempotencyKey: pick([]string{"", "k1", "k2"})})
			if err == nil {
				replyIDs = append(replyIDs, r.ID)
			} else if !strings.Contains(err.Error(), "conflict") && !isValidation(err) {
				t.Fatal(err)
			}
		case op < 72:
			if _, _, err := e.s.ClaimNext("acct"); err != nil {
				t.Fatal(err)
			}
		case op < 92 && len(replyIDs) > 0:
			id := pick(replyIDs)
			var err error
			switch rng.IntN(6) {
			case 0:
				_, err = e.s.MarkSent(id, fmt.Sprint("ext", rng.IntN(40)))
			case 1:
				_, err = e.s.MarkFailed(id, "no")
			case 2:
				_, err = e.s.MarkUnknown(id, "maybe")
			case 3:
				_, err = e.s.RetryAt(id, e.clock.Now().Add(time.Duration(rng.IntN(120))*time.Second), "later")
			case 4:
				_, err = e.s.Requeue(id, "op")
			case 5:
				_, err = e.s.Cancel(id, "op")
			}
			var se *inbox.ReplyStateError
			if err != nil && !asErr(err, &se) {
				t.Fatal(err)
			}
		case op < 97:
			e.clock.Advance(time.Duration(rng.IntN(7200)) * time.Second)
		default:
			e.reopen()
		}
		if step%50 == 49 {
			checkConsistent(t, e.s)
		}
	}
	checkConsistent(t, e.s)
	if len(itemIDs) == 0 || len(replyIDs) == 0 {
		t.Fatal("the random run did nothing")
	}
}

// checkTickets: per year, the tickets in use are exactly 1..n where n is
// the year's counter (gap-free and unique), and each ticket is one case.
func checkTickets(tx *bolt.Tx, items map[string]inbox.Item) error {
	cases := map[string]string{} // ticket -> case key
	numbers := map[int]map[uint64]bool{}
	for _, it := range items {
		if it.Ticket == "" {
			continue
		}
		ck := string(it.Channel) + "|" + it.Account + "|" + it.ThreadID + "|" + it.Author.ID
		if it.ThreadID == "" {
			ck = "#" + it.ID
		}
		if prev, ok := cases[it.Ticket]; ok && prev != ck {
			return fmt.Errorf("ticket %s spans two cases: %s and %s", it.Ticket, prev, ck)
		}
		cases[it.Ticket] = ck
		parts := strings.Split(it.Ticket, "-")
		if len(parts) != 3 {
			return fmt.Errorf("ticket %q is not PREFIX-YEAR-NUMBER", it.Ticket)
		}
		year, err1 := strconv.Atoi(parts[1])
		n, err2 := strconv.ParseUint(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("ticket %q is not PREFIX-YEAR-NUMBER", it.Ticket)
		}
		if numbers[year] == nil {
			numbers[year] = map[uint64]bool{}
		}
		numbers[year][n] = true
	}
	counted := map[int]uint64{}
	if err := tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
		counted[int(binary.BigEndian.Uint32(k))] = binary.BigEndian.Uint64(v)
		return nil
	}); err != nil {
		return err
	}
	for year, n := range counted {
		if uint64(len(numbers[year])) != n {
			return fmt.Errorf("year %d: counter at %d, %d distinct tickets in use", year, n, len(numbers[year]))
		}
		for i := uint64(1); i <= n; i++ {
			if !numbers[year][i] {
				return fmt.Errorf("year %d: ticket number %d is missing (a gap)", year, i)
			}
		}
	}
	for year := range numbers {
		if _, ok := counted[year]; !ok {
			return fmt.Errorf("year %d has tickets but no counter", year)
		}
	}
	return nil
}
