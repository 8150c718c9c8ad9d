package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// actorPlatform is the audit actor of changes seen on the platform.
const actorPlatform = "platform"

// Ingest stores one poll page in ONE transaction: new items (dedup on
// channel+account+external_id), external replies, indexes, counters and the
// account's cursor (a nil cursor leaves the stored one as it is). A page
// with nothing new and an unchanged cursor opens no write transaction.
// Pages ingested concurrently (several accounts' polls ready at once) may
// share one transaction and its fsyncs; each is durable when its call
// returns, and a failing page never fails another.
// Any item or external reply the store refuses fails the whole call; a
// poller wants IngestPage, which quarantines such records instead.
func (s *Store) Ingest(account string, items []inbox.Item, external []inbox.ExternalReply, cursor []byte) (IngestResult, error) {
	return s.ingest(account, Page{Items: items, External: external, Cursor: cursor}, false)
}

// IngestPage is Ingest for a poll page that may carry records the connector
// could not use (p.Rejected): those, and every item or external reply the
// store refuses, are quarantined in the same transaction that commits the
// usable records and the cursor, so one bad record never holds an account
// back. IngestResult.Quarantined counts them.
func (s *Store) IngestPage(account string, p Page) (IngestResult, error) {
	return s.ingest(account, p, true)
}

// Page is one poll page as the store takes it.
type Page struct {
	Items    []inbox.Item
	External []inbox.ExternalReply
	Rejected []Rejected // records the connector got but could not use
	Cursor   []byte
}

func (s *Store) ingest(account string, in Page, quarantine bool) (IngestResult, error) {
	var res IngestResult
	// Announced before the page is checked and read, so that a commit
	// starting meanwhile waits for it (see commitGroup).
	leave := s.group.announce()
	defer leave()
	if account == "" || !validText(account) {
		return res, &ValidationError{Field: "account", Message: "must not be empty or hold control characters"}
	}
	rejected := slices.Clone(in.Rejected)
	refuse := func(err *ValidationError, source, externalID string, record any) error {
		if !quarantine {
			return err
		}
		raw, _ := json.Marshal(record)
		rejected = append(rejected, Rejected{Source: source, ExternalID: externalID,
			Reason: "refused by the store: " + err.Error(), Raw: raw})
		return nil
	}
	page := make([]inbox.Item, 0, len(in.Items))
	for i, it := range in.Items {
		ok, verr := s.checkItem(account, i, &it)
		if !ok {
			if err := refuse(verr, string(it.Kind), it.ExternalID, it); err != nil {
				return res, err
			}
			continue
		}
		page = append(page, it)
	}
	ext := make([]inbox.ExternalReply, 0, len(in.External))
	for i, e := range in.External {
		if e.Account == "" {
			e.Account = account
		}
		if verr := s.checkExternal(account, i, e); verr != nil {
			if err := refuse(verr, "external_reply", e.ExternalID, e); err != nil {
				return res, err
			}
			continue
		}
		ext = append(ext, e)
	}
	cursor := in.Cursor

	// A re-read page usually brings nothing new: check that in a read
	// transaction, which needs no fsync and no writer lock.
	need := len(rejected) > 0
	if !need {
		err := s.view(func(tx *bolt.Tx) error {
			need = ingestNeedsWrite(tx, account, page, ext, cursor)
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	if !need {
		res.Duplicates = len(page)
		return res, nil
	}

	// Pages of other accounts ready at the same moment share the commit
	// (see commitGroup); this page is durable when Ingest returns.
	err := s.writeGrouped(func(w *wctx) error {
		res = IngestResult{}
		tx := w.tx
		dedup := tx.Bucket(bDedup)
		seen := make(map[string]bool, len(page))
		for i := range page {
			it := page[i]
			dk := dedupKey(string(it.Channel), it.Account, it.ExternalID)
			if seen[string(dk)] || dedup.Get(dk) != nil {
				res.Duplicates++
				continue
			}
			seen[string(dk)] = true
			id := w.s.newID(w.now)
			it.ID = idString(id)
			it.ReceivedAt = w.s.receivedAt(w.now)
			if it.RoutedBy == "" || it.Status != inbox.StatusIgnored {
				it.Status = inbox.StatusNew // only a rule may file a new item as ignored (spam)
			}
			it.AnsweredAt = nil
			it.Ticket, it.ExternalRef = "", ""
			it.FirstResponseAt = nil
			if it.Status == inbox.StatusIgnored {
				it.FirstResponseDueAt, it.ResolutionDueAt = nil, nil
			}
			// A late poll of an old message may find it overdue already.
			it.Overdue = it.OverdueAt(w.now)
			if err := w.assignTicket(&it, id); err != nil {
				return err
			}
			if err := dedup.Put(dk, id); err != nil {
				return err
			}
			if err := w.putItem(&it, nil); err != nil {
				return err
			}
			if err := w.auditRouted(id, &it); err != nil {
				return err
			}
			res.New++
			res.NewIDs = append(res.NewIDs, it.ID)
			w.emit(Event{Type: EventItemCreated, ItemID: it.ID, Account: it.Account, Unit: it.Unit})
			if it.Overdue != "" {
				w.emit(Event{Type: EventItemOverdue, ItemID: it.ID, Account: it.Account, Unit: it.Unit})
			}
		}
		for _, e := range ext {
			applied, err := w.applyExternal(e)
			if err != nil {
				return err
			}
			if applied {
				res.ExternalApplied++
			}
		}
		q, err := w.quarantine(account, rejected)
		if err != nil {
			return err
		}
		res.Quarantined = q
		if cursor != nil {
			if err := tx.Bucket(bCursors).Put([]byte(account), cursor); err != nil {
				return err
			}
		}
		return nil
	}, leave)
	if err != nil {
		return IngestResult{}, err
	}
	return res, nil
}

// ActorRulePrefix starts the audit actor of a change a routing rule made
// ("rule:jalan-rusak"); every other actor but the platform is a person.
const ActorRulePrefix = "rule:"

// auditRouted writes what a routing rule set on a new item, one entry per
// field, as actor rule:<name>, from the values an unrouted item would have.
func (w *wctx) auditRouted(iid []byte, it *inbox.Item) error {
	if it.RoutedBy == "" {
		return nil
	}
	actor := ActorRulePrefix + it.RoutedBy
	for _, c := range []struct{ field, from, to string }{
		{"unit", "", it.Unit},
		{"tags", "", strings.Join(it.Tags, ",")},
		{"priority", string(inbox.PriorityNormal), string(it.Priority)},
		{"assignee", "", it.Assignee},
		{"status", string(inbox.StatusNew), string(it.Status)},
	} {
		if c.from == c.to {
			continue
		}
		if err := w.audit(iid, actor, c.field, c.from, c.to); err != nil {
			return err
		}
	}
	return nil
}

// knownChannel reports whether the store takes items of ch: with the
// connectors' reply tables (the daemon always opens it with them) one of
// their channels; opened without them (tests, benchmarks, offline tools)
// any non-empty channel. The store names no platform.
func (s *Store) knownChannel(ch inbox.Channel) bool {
	if s.anyChannel {
		return ch != ""
	}
	return s.rules.Has(ch)
}

// checkItem fills an item's defaults and says whether the store can take
// it, naming the field when not.
func (s *Store) checkItem(account string, i int, it *inbox.Item) (bool, *ValidationError) {
	if it.Account == "" {
		it.Account = account
	}
	if it.Account != account {
		return false, &ValidationError{Field: fmt.Sprintf("items[%d].account", i), Message: fmt.Sprintf("is %q, the page is for %q", it.Account, account)}
	}
	if err := it.Validate(); err != nil {
		return false, &ValidationError{Field: fmt.Sprintf("items[%d]", i), Message: err.Error()}
	}
	if !s.knownChannel(it.Channel) {
		return false, &ValidationError{Field: fmt.Sprintf("items[%d]", i), Message: fmt.Sprintf("item %q: unknown channel %q", it.ExternalID, it.Channel)}
	}
	if it.Priority == "" {
		it.Priority = inbox.PriorityNormal
	}
	if !it.Priority.Valid() {
		return false, &ValidationError{Field: fmt.Sprintf("items[%d].priority", i), Message: fmt.Sprintf("unknown priority %q", it.Priority)}
	}
	if !validText(it.Unit) || !validText(string(it.Channel)) || !validText(it.Account) || !validText(it.ExternalID) {
		return false, &ValidationError{Field: fmt.Sprintf("items[%d]", i), Message: "unit, account and external_id must not hold control characters"}
	}
	tags, err := normaliseTags(it.Tags)
	if err != nil {
		return false, &ValidationError{Field: fmt.Sprintf("items[%d].tags", i), Message: err.Error()}
	}
	it.Tags = tags
	return true, nil
}

func (s *Store) checkExternal(account string, i int, e inbox.ExternalReply) *ValidationError {
	switch {
	case e.Account != account:
		return &ValidationError{Field: fmt.Sprintf("external[%d].account", i), Message: fmt.Sprintf("is %q, the page is for %q", e.Account, account)}
	case !s.knownChannel(e.Channel):
		return &ValidationError{Field: fmt.Sprintf("external[%d].channel", i), Message: fmt.Sprintf("unknown channel %q", e.Channel)}
	case e.ExternalID == "":
		return &ValidationError{Field: fmt.Sprintf("external[%d].external_id", i), Message: "must not be empty"}
	case !validText(e.ExternalID) || !validText(e.ParentExternalID) || !validText(e.ThreadID):
		return &ValidationError{Field: fmt.Sprintf("external[%d]", i), Message: "ids must not hold control characters"}
	case e.ParentExternalID == "" && e.ThreadID == "":
		return &ValidationError{Field: fmt.Sprintf("external[%d]", i), Message: "needs parent_external_id or thread_id"}
	}
	return nil
}

func ingestNeedsWrite(tx *bolt.Tx, account string, page []inbox.Item, ext []inbox.ExternalReply, cursor []byte) bool {
	if cursor != nil && !bytes.Equal(tx.Bucket(bCursors).Get([]byte(account)), cursor) {
		return true
	}
	dedup := tx.Bucket(bDedup)
	for i := range page {
		if dedup.Get(dedupKey(string(page[i].Channel), page[i].Account, page[i].ExternalID)) == nil {
			return true
		}
	}
	for _, e := range ext {
		if tx.Bucket(bExtDedup).Get(dedupKey(string(e.Channel), e.Account, e.ExternalID)) != nil {
			continue
		}
		if id, _ := externalTarget(tx, e); id != nil {
			return true
		}
	}
	return false
}

// externalTarget finds the item an external reply answers: its parent when
// known, else the latest item of its thread written before it.
func externalTarget(tx *bolt.Tx, e inbox.ExternalReply) ([]byte, error) {
	if e.ParentExternalID != "" {
		if id := tx.Bucket(bDedup).Get(dedupKey(string(e.Channel), e.Account, e.ParentExternalID)); id != nil {
			return clone(id), nil
		}
	}
	if e.ThreadID == "" {
		return nil, nil
	}
	ids := threadIDs(tx, e.Channel, e.Account, e.ThreadID)
	for i := len(ids) - 1; i >= 0; i-- {
		it, err := getItem(tx, ids[i])
		if err != nil {
			return nil, err
		}
		if e.CreatedAt.IsZero() || !it.CreatedAt.After(e.CreatedAt) {
			return ids[i], nil
		}
	}
	return nil, nil
}

// applyExternal records a reply the account wrote on the platform directly
// and answers what it answers. A reply inboxd sent itself (same external id)
// or one seen before is not recorded twice.
func (w *wctx) applyExternal(e inbox.ExternalReply) (bool, error) {
	ek := dedupKey(string(e.Channel), e.Account, e.ExternalID)
	if w.tx.Bucket(bExtDedup).Get(ek) != nil {
		return false, nil
	}
	itemID, err := externalTarget(w.tx, e)
	if err != nil || itemID == nil {
		return false, err
	}
	it, err := getItem(w.tx, itemID)
	if err != nil {
		return false, err
	}
	at := e.CreatedAt.UTC()
	if at.IsZero() {
		at = w.now
	}
	r := inbox.Reply{
		ID:         idString(w.s.newID(w.now)),
		ItemID:     it.ID,
		Text:       e.Text,
		Private:    it.Kind == inbox.KindMessage,
		State:      inbox.ReplySent,
		ExternalID: e.ExternalID,
		Author:     e.Account,
		CreatedAt:  at,
		SentAt:     &at,
		External:   true,
	}
	rid, _ := parseID(r.ID)
	if err := w.tx.Bucket(bExtDedup).Put(ek, rid); err != nil {
		return false, err
	}
	if err := w.putReply(&r, nil, &it); err != nil {
		return false, err
	}
	if err := w.answer(&it, at, actorPlatform); err != nil {
		return false, err
	}
	return true, nil
}

// Cursor returns the account's committed poll cursor (nil if none).
func (s *Store) Cursor(account string) ([]byte, error) {
	var c []byte
	err := s.view(func(tx *bolt.Tx) error {
		c = clone(tx.Bucket(bCursors).Get([]byte(account)))
		return nil
	})
	return c, err
}
