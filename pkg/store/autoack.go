package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// ActorAutoAck is the author of automatic acknowledgements and the actor
// of their audit entries.
const ActorAutoAck = "auto-ack"

// AutoAck is an automatic acknowledgement to queue (EnqueueAutoAck).
type AutoAck struct {
	Text        string        // the rendered template
	Template    string        // its name
	QuietPeriod time.Duration // no second acknowledgement of the case within this
}

// AckSkipped is EnqueueAutoAck's refusal: the item must not be
// acknowledged, and why.
type AckSkipped struct{ Reason string }

func (e *AckSkipped) Error() string { return "not acknowledged: " + e.Reason }

// Reasons of AckSkipped.
const (
	SkipIgnored      = "a rule set the item to ignored"
	SkipAcknowledged = "the item already has an acknowledgement"
	SkipQuiet        = "its case was acknowledged within the quiet period"
	SkipHumanReplied = "a person already replied in its case"
	SkipNotWaiting   = "the item is no longer waiting"
)

// caseKey is an item's case as tickets count it: channel, account,
// thread and author (an item without thread is a case of its own).
func caseKey(it *inbox.Item) []byte {
	if it.ThreadID == "" {
		return prefix(string(it.Channel), it.Account, "#"+it.ExternalID, it.Author.ID)
	}
	return prefix(string(it.Channel), it.Account, it.ThreadID, it.Author.ID)
}

// EnqueueAutoAck queues an automatic acknowledgement of the item, marked
// auto, unless (checked in the same transaction, so two never race):
// a rule set the item to ignored, it is no longer waiting, it already has
// one, its case had one within the quiet period, or a person (through
// inboxd or on the platform) already replied in its case. A refusal is an
// *AckSkipped. The reply passes the same text checks as any other.
func (s *Store) EnqueueAutoAck(itemID string, a AutoAck) (inbox.Reply, error) {
	if err := inbox.CheckPlainText("text", a.Text); err != nil {
		return inbox.Reply{}, err
	}
	var out inbox.Reply
	err := s.write(func(w *wctx) error {
		it, iid, err := getItemByID(w.tx, itemID)
		if err != nil {
			return err
		}
		switch {
		case it.Status == inbox.StatusIgnored:
			return &AckSkipped{SkipIgnored}
		case !it.Waiting():
			return &AckSkipped{SkipNotWaiting}
		}
		var again bool
		if err := forEachReply(w.tx, iid, func(r inbox.Reply) bool { again = r.Auto; return !again }); err != nil {
			return err
		}
		if again {
			return &AckSkipped{SkipAcknowledged}
		}
		ck := caseKey(&it)
		if v := w.tx.Bucket(bAckCase).Get(ck); len(v) == 8 {
			last := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
			if w.now.Sub(last) < a.QuietPeriod {
				return &AckSkipped{SkipQuiet}
			}
		}
		items := [][]byte{iid}
		if it.ThreadID != "" {
			items, err = caseItems(w.tx, &it)
			if err != nil {
				return err
			}
		}
		for _, id := range items {
			var skip error
			err := forEachReply(w.tx, id, func(r inbox.Reply) bool {
				if !r.Auto && r.State != inbox.ReplyCancelled && r.State != inbox.ReplyFailed {
					skip = &AckSkipped{SkipHumanReplied}
				}
				return skip == nil
			})
			if err != nil {
				return err
			}
			if skip != nil {
				return skip
			}
		}
		target, err := w.s.rules.CheckReply(it.Channel, it.Kind, false, a.Text)
		if err != nil {
			return err
		}
		r := inbox.Reply{
			ID:        idString(w.s.newID(w.now)),
			ItemID:    it.ID,
			Text:      a.Text,
			Private:   target.SendsPrivately,
			State:     inbox.ReplyQueued,
			Author:    ActorAutoAck,
			CreatedAt: w.now,
			Auto:      true,
			Template:  a.Template,
		}
		if err := w.putReply(&r, nil, &it); err != nil {
			return err
		}
		if err := w.tx.Bucket(bAckCase).Put(ck, putT8(nil, w.now)); err != nil {
			return err
		}
		if err := w.audit(iid, ActorAutoAck, "auto_ack", "", r.ID+" ("+a.Template+")"); err != nil {
			return err
		}
		w.emit(Event{Type: EventReplyQueued, ItemID: it.ID, ReplyID: r.ID, Account: it.Account, Unit: it.Unit})
		out = r
		return nil
	})
	if err != nil {
		return inbox.Reply{}, err
	}
	return out, nil
}

// caseItems lists the ids of the items of it's case (same channel,
// account, thread and author).
func caseItems(tx *bolt.Tx, it *inbox.Item) ([][]byte, error) {
	p := prefix(string(it.Channel), it.Account, it.ThreadID, it.Author.ID)
	var ids [][]byte
	c := tx.Bucket(bIxThreadAuthor).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if len(k) == len(p)+idLen {
			ids = append(ids, clone(k[len(p):]))
		}
	}
	return ids, nil
}

// forEachReply calls fn with each reply of the item until fn says stop.
func forEachReply(tx *bolt.Tx, iid []byte, fn func(r inbox.Reply) bool) error {
	c := tx.Bucket(bRxItem).Cursor()
	for k, _ := c.Seek(iid); k != nil && bytes.HasPrefix(k, iid); k, _ = c.Next() {
		r, err := getReply(tx, k[len(iid):])
		if err != nil {
			return err
		}
		if !fn(r) {
			return nil
		}
	}
	return nil
}

// cancelAutoAcks cancels the queued acknowledgements of it's thread: a
// person's reply goes first and makes them pointless (and a queued one
// would hold the person's reply back behind it).
func (w *wctx) cancelAutoAcks(it *inbox.Item) error {
	p := prefix(threadKey(it))
	var rids [][]byte
	c := w.tx.Bucket(bRxPending).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		rids = append(rids, clone(k[len(p):]))
	}
	for _, rid := range rids {
		r, err := getReply(w.tx, rid)
		if err != nil {
			return err
		}
		if !r.Auto || r.State != inbox.ReplyQueued {
			continue
		}
		if _, err := w.moveReply(rid, inbox.ReplyCancelled, func(r *inbox.Reply) {
			r.LastError = "cancelled: a person replied first"
		}); err != nil {
			return fmt.Errorf("cancel acknowledgement %s: %w", r.ID, err)
		}
	}
	return nil
}
