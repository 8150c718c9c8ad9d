package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// ticketBatch is how many items one transaction of the ticket migration
// examines: small enough that ingest and the API never wait long.
const ticketBatch = 5000

// Meta keys of the ticket migration.
var (
	metaTicketsDone = []byte("tickets_done") // present once every old item was numbered
	metaTicketsAt   = []byte("tickets_at")   // id16 of the last item the migration examined
)

// caseReusable reports whether a case whose latest ticketed message has
// status st is still open, so a new message joins its ticket.
func caseReusable(st inbox.Status) bool {
	return st == inbox.StatusNew || st == inbox.StatusOpen || st == inbox.StatusAnswered
}

// assignTicket gives it (whose id is id, already received) its case's
// ticket: a case is one citizen in one thread (channel, account, thread,
// author). The latest earlier ticketed message of the case lends its ticket
// while that case is new, open or answered; otherwise the next number of
// received_at's year is taken, in this transaction, so numbers are
// gap-free. Ignored items (spam set by a rule) get none.
func (w *wctx) assignTicket(it *inbox.Item, id []byte) error {
	if it.Status == inbox.StatusIgnored || it.Ticket != "" {
		return nil
	}
	if it.ThreadID != "" {
		t, err := w.caseTicket(it, id)
		if err != nil || t != "" {
			it.Ticket = t
			return err
		}
	}
	year := it.ReceivedAt.In(w.s.loc).Year()
	b := w.tx.Bucket(bTickets)
	k := putU4(nil, uint32(year))
	var n uint64
	if v := b.Get(k); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	if err := b.Put(k, binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return err
	}
	it.Ticket = inbox.FormatTicket(w.s.ticketPrefix, year, n)
	return w.tx.Bucket(bTicketFirst).Put([]byte(it.Ticket), id)
}

// ticketItems returns the ids of the items holding ticket, in id order.
// ticket_first names the item the number was issued to; the rest of a
// ticket are later messages of the same case (channel, account, thread,
// author), which lend it while the case is open, so they follow it in the
// case's range of ix_thread_author until a message with another ticket
// (ignored items, which have none, are skipped). One entry per ticket,
// written in number order at its tail, instead of one per item scattered
// over older tickets' ranges: the per-item ticket index cost ingest about a
// fifth of its CPU (docs/PERFORMANCE.md). An item it cannot read is
// returned as a candidate: the list checks every candidate's ticket on the
// decoded item, and reports a decode error there.
func ticketItems(tx *bolt.Tx, ticket string) [][]byte {
	first := tx.Bucket(bTicketFirst).Get([]byte(ticket))
	if len(first) != idLen {
		return nil
	}
	first = clone(first)
	ids := [][]byte{first}
	it, err := getItem(tx, first)
	if err != nil || it.ThreadID == "" {
		return ids
	}
	p := prefix(string(it.Channel), it.Account, it.ThreadID, it.Author.ID)
	c := tx.Bucket(bIxThreadAuthor).Cursor()
	k, _ := c.Seek(withID(p, first))
	if k != nil && bytes.Equal(k[len(p):], first) {
		k, _ = c.Next()
	}
	for ; k != nil && len(k) == len(p)+idLen && bytes.HasPrefix(k, p); k, _ = c.Next() {
		id := k[len(p):]
		o, err := getCaseFields(tx, id)
		if err == nil && o.Ticket == "" {
			continue
		}
		if err == nil && o.Ticket != ticket {
			break
		}
		ids = append(ids, clone(id))
	}
	return ids
}

// migrateTicketIndex is the step from schema 1 to 2: ix_ticket held
// ticket|id16 for every ticketed item; ticket_first holds ticket -> the
// first id16 (the lowest of its range), and ix_ticket is dropped.
func migrateTicketIndex(tx *bolt.Tx) error {
	old := tx.Bucket(bIxTicket)
	if old == nil {
		return nil
	}
	dst := tx.Bucket(bTicketFirst)
	dst.FillPercent = appendFill
	var last []byte
	err := old.ForEach(func(k, _ []byte) error {
		if len(k) < idLen+1 || k[len(k)-idLen-1] != 0 {
			return fmt.Errorf("ix_ticket key %x: not ticket|id16", k)
		}
		ticket := k[:len(k)-idLen-1]
		if bytes.Equal(ticket, last) {
			return nil // a later item of the same ticket
		}
		last = clone(ticket)
		return dst.Put(last, clone(k[len(k)-idLen:]))
	})
	if err != nil {
		return err
	}
	return tx.DeleteBucket(bIxTicket)
}

// caseFields are the fields of a stored item that caseTicket reads: ingest
// reads them for nearly every new message, and decoding only these skips
// the whole item's times, author and tags.
type caseFields struct {
	Ticket string       `json:"ticket"`
	Status inbox.Status `json:"status"`
}

func getCaseFields(tx *bolt.Tx, id []byte) (caseFields, error) {
	var f caseFields
	v := tx.Bucket(bItems).Get(id)
	if v == nil {
		return f, fmt.Errorf("item %s: %w", idString(id), ErrNotFound)
	}
	f, err := decodeCaseFields(v)
	if err != nil {
		return f, fmt.Errorf("item %s: decode: %w", idString(id), err)
	}
	return f, nil
}

// decodeCaseFields reads caseFields from a stored item by the scanner,
// or by encoding/json where the scanner cannot walk it.
func decodeCaseFields(raw []byte) (caseFields, error) {
	var out [2]string
	if topLevelStrings(raw, caseFieldKeys[:], out[:]) == nil {
		return caseFields{Ticket: out[0], Status: inbox.Status(out[1])}, nil
	}
	var f caseFields
	err := json.Unmarshal(raw, &f)
	return f, err
}

// caseFieldKeys are caseFields' JSON names, in topLevelStrings' order.
var caseFieldKeys = [2]string{"ticket", "status"}

// caseTicket walks the case's messages before id, newest first, to the
// latest one with a ticket, and returns that ticket if the case is still
// open.
func (w *wctx) caseTicket(it *inbox.Item, id []byte) (string, error) {
	p := prefix(string(it.Channel), it.Account, it.ThreadID, it.Author.ID)
	c := w.tx.Bucket(bIxThreadAuthor).Cursor()
	k, _ := c.Seek(withID(p, id))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && len(k) == len(p)+idLen && strings.HasPrefix(string(k), string(p)); k, _ = c.Prev() {
		o, err := getCaseFields(w.tx, k[len(p):])
		if err != nil {
			return "", err
		}
		if o.Ticket == "" {
			continue
		}
		if caseReusable(o.Status) {
			return o.Ticket, nil
		}
		return "", nil
	}
	return "", nil
}

// migrateTickets numbers the items stored before tickets existed, in
// received order (ids are), in batches of batch items per transaction,
// before anything else writes. It resumes where a crash stopped it and
// does nothing once done.
func (s *Store) migrateTickets(batch int) error {
	var done bool
	var total int
	err := s.view(func(tx *bolt.Tx) error {
		done = tx.Bucket(bMeta).Get(metaTicketsDone) != nil
		if !done {
			// Bucket.Stats walks every page: only when there is work.
			total = tx.Bucket(bItems).Stats().KeyN
		}
		return nil
	})
	if err != nil || done {
		return err
	}
	start := s.now()
	var examined, numbered int
	for {
		var more bool
		err := s.write(func(w *wctx) error {
			meta := w.tx.Bucket(bMeta)
			c := w.tx.Bucket(bItems).Cursor()
			var k, v []byte
			if at := meta.Get(metaTicketsAt); at != nil {
				k, v = c.Seek(at)
				if k != nil && string(k) == string(at) {
					k, v = c.Next()
				}
			} else {
				k, v = c.First()
			}
			var last []byte
			for n := 0; k != nil && n < batch; k, v = c.Next() {
				n++
				examined++
				last = clone(k)
				if !strings.Contains(string(v), `"ticket":`) {
					id := clone(k)
					old, err := getItem(w.tx, id)
					if err != nil {
						return err
					}
					it := old
					if err := w.assignTicket(&it, id); err != nil {
						return err
					}
					if it.Ticket != "" {
						if err := w.putItem(&it, &old); err != nil {
							return err
						}
						numbered++
						// putItem moved the cursor's page: seek back.
						c.Seek(id) // the loop's Next then moves past id
					}
				}
			}
			more = k != nil
			if last != nil {
				if err := meta.Put(metaTicketsAt, last); err != nil {
					return err
				}
			}
			if !more {
				return meta.Put(metaTicketsDone, []byte{1})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("ticket migration: %w", err)
		}
		if total > 0 {
			s.log.Info("ticket migration", "examined", examined, "of", total, "numbered", numbered, "elapsed", s.now().Sub(start).Round(time.Millisecond))
		}
		if !more {
			return nil
		}
	}
}

// checkExternalRef validates an operator's external reference.
func checkExternalRef(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case len([]rune(v)) > inbox.MaxExternalRefLen:
		return "", &ValidationError{Field: "external_ref", Message: fmt.Sprintf("is longer than %d characters", inbox.MaxExternalRefLen)}
	case !validText(v):
		return "", &ValidationError{Field: "external_ref", Message: "must not hold control characters"}
	}
	return v, nil
}
