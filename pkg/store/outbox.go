package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Outbox limits and actors.
const (
	maxIdempotencyKey = 200
	actorOutbox       = "outbox"
)

// pendingState reports whether a reply holds back later replies of its thread.
func pendingState(s inbox.ReplyState) bool {
	return s == inbox.ReplyQueued || s == inbox.ReplySending || s == inbox.ReplyUnknown
}

func replyDue(r *inbox.Reply) time.Time {
	if r.NextAttemptAt != nil {
		return *r.NextAttemptAt
	}
	return r.CreatedAt
}

// replyIndex lists every index entry of a reply of item it (see doc.go).
func replyIndex(r *inbox.Reply, rid []byte, it *inbox.Item) []ixEntry {
	itemID, _ := parseID(r.ItemID)
	st := string(r.State)
	e := []ixEntry{
		{bucket: bRxItem, key: withID(itemID, rid)},
		{bucket: bRxState, key: withID(prefix(st), rid)},
		{bucket: bRxAccount, key: withID(prefix(it.Account), rid)},
		{bucket: bRxAccountState, key: withID(prefix(it.Account, st), rid)},
	}
	if r.State == inbox.ReplyQueued {
		e = append(e, ixEntry{bucket: bOutbox, key: withID(putT8(prefix(it.Account), replyDue(r)), rid)})
	}
	if pendingState(r.State) {
		e = append(e, ixEntry{bucket: bRxPending, key: withID(prefix(threadKey(it)), rid)})
	}
	return e
}

// putReply stores r (new when old is nil) with its indexes and counters.
func (w *wctx) putReply(r, old *inbox.Reply, it *inbox.Item) error {
	rid, err := parseID(r.ID)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := w.tx.Bucket(bReplies).Put(rid, raw); err != nil {
		return err
	}
	var oldIx []ixEntry
	if old != nil {
		oldIx = replyIndex(old, rid, it)
		w.count(replyCounters(old, it.Unit), -1)
	}
	w.count(replyCounters(r, it.Unit), 1)
	w.reportReply(r, old, it, 1)
	return w.updateIndex(oldIx, replyIndex(r, rid, it))
}

func getReply(tx *bolt.Tx, rid []byte) (inbox.Reply, error) {
	var r inbox.Reply
	v := tx.Bucket(bReplies).Get(rid)
	if v == nil {
		return r, fmt.Errorf("reply %s: %w", idString(rid), ErrNotFound)
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("reply %s: decode: %w", idString(rid), err)
	}
	return r, nil
}

// recoverSending moves every reply left in sending (the process died while a
// connector held it) to unknown: it may have reached the platform.
func (w *wctx) recoverSending() (int, error) {
	p := prefix(string(inbox.ReplySending))
	var ids [][]byte
	c := w.tx.Bucket(bRxState).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		ids = append(ids, clone(k[len(p):]))
	}
	for _, rid := range ids {
		_, err := w.moveReply(rid, inbox.ReplyUnknown, func(r *inbox.Reply) {
			r.LastError = "inboxd stopped while sending; whether the platform got it is unknown"
		})
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// moveReply moves a reply to state to (refused moves are
// *inbox.ReplyStateError), applying edit first.
func (w *wctx) moveReply(rid []byte, to inbox.ReplyState, edit func(r *inbox.Reply)) (inbox.Reply, error) {
	return w.moveReplyIf(rid, to, inbox.CanMoveReply, edit)
}

// moveReplyIf is moveReply with the allowed moves given by allowed.
func (w *wctx) moveReplyIf(rid []byte, to inbox.ReplyState, allowed func(from, to inbox.ReplyState) bool, edit func(r *inbox.Reply)) (inbox.Reply, error) {
	old, err := getReply(w.tx, rid)
	if err != nil {
		return old, err
	}
	if old.External || !allowed(old.State, to) {
		return old, fmt.Errorf("reply %s: %w", old.ID, &inbox.ReplyStateError{From: old.State, To: to})
	}
	it, _, err := getItemByID(w.tx, old.ItemID)
	if err != nil {
		return old, err
	}
	r := old
	r.State = to
	if to != inbox.ReplyUnknown {
		r.NeedsDecision = false // decided: sent, requeued or dropped
	}
	if edit != nil {
		edit(&r)
	}
	if err := w.putReply(&r, &old, &it); err != nil {
		return r, err
	}
	typ := EventReplyUpdated
	switch to {
	case inbox.ReplySent:
		typ = EventReplySent
	case inbox.ReplyFailed, inbox.ReplyUnknown:
		typ = EventReplyFailed
	}
	w.emit(Event{Type: typ, ItemID: it.ID, ReplyID: r.ID, Account: it.Account, Unit: it.Unit})
	return r, nil
}

// EnqueueReply queues a reply. An idempotency key seen before for the same
// item returns the existing reply with created=false (ErrConflict if the
// text or privacy differ).
func (s *Store) EnqueueReply(itemID string, nr NewReply) (reply inbox.Reply, created bool, err error) {
	if len(nr.IdempotencyKey) > maxIdempotencyKey {
		return reply, false, &ValidationError{Field: "idempotency_key", Message: fmt.Sprintf("is longer than %d bytes", maxIdempotencyKey)}
	}
	if err := inbox.CheckPlainText("text", nr.Text); err != nil {
		return reply, false, err
	}
	err = s.write(func(w *wctx) error {
		it, iid, err := getItemByID(w.tx, itemID)
		if err != nil {
			return err
		}
		if nr.Scope != "" && it.Unit != nr.Scope {
			return fmt.Errorf("item %s in unit %q: %w", itemID, nr.Scope, ErrNotFound)
		}
		target, err := w.s.rules.CheckReply(it.Channel, it.Kind, nr.Private, nr.Text)
		if err != nil {
			return err
		}
		var idemKey []byte
		if nr.IdempotencyKey != "" {
			idemKey = idempotencyKey(iid, nr.IdempotencyOwner, nr.IdempotencyKey)
			rid := w.tx.Bucket(bRxIdem).Get(idemKey)
			if rid == nil && nr.IdempotencyOwner != "" {
				// A key recorded before keys had owners counts for the
				// author who used it.
				if old := w.tx.Bucket(bRxIdem).Get(idempotencyKey(iid, "", nr.IdempotencyKey)); old != nil {
					if r, err := getReply(w.tx, old); err == nil && r.Author == nr.Author {
						rid = old
					}
				}
			}
			if rid != nil {
				old, err := getReply(w.tx, rid)
				if err != nil {
					return err
				}
				if old.Text != nr.Text || old.Private != target.SendsPrivately {
					return fmt.Errorf("idempotency key %q was used for a different reply to this item: %w", nr.IdempotencyKey, ErrConflict)
				}
				reply = old
				return nil
			}
		}
		if target.OnePerItem {
			if err := onlyReplyOfItsKind(w.tx, iid, target, ""); err != nil {
				return err
			}
		}
		r := inbox.Reply{
			ID:             idString(w.s.newID(w.now)),
			ItemID:         it.ID,
			Text:           nr.Text,
			Private:        target.SendsPrivately,
			State:          inbox.ReplyQueued,
			Author:         nr.Author,
			CreatedAt:      w.now,
			IdempotencyKey: nr.IdempotencyKey,
			Template:       nr.Template,
		}
		if idemKey != nil {
			rid, _ := parseID(r.ID)
			if err := w.tx.Bucket(bRxIdem).Put(idemKey, rid); err != nil {
				return err
			}
		}
		if err := w.cancelAutoAcks(&it); err != nil {
			return err
		}
		if err := w.putReply(&r, nil, &it); err != nil {
			return err
		}
		w.emit(Event{Type: EventReplyQueued, ItemID: it.ID, ReplyID: r.ID, Account: it.Account, Unit: it.Unit})
		reply, created = r, true
		return nil
	})
	if err != nil {
		return inbox.Reply{}, false, err
	}
	return reply, created, nil
}

// idempotencyKey is the rx_idem key: item id16, then, when the key has an
// owner, 0x00 owner 0x00, then the key. Keys are printable ASCII (the API
// checks), so the two shapes never collide.
func idempotencyKey(iid []byte, owner, key string) []byte {
	k := append([]byte(nil), iid...)
	if owner != "" {
		k = append(append(append(k, 0), owner...), 0)
	}
	return append(k, key...)
}

// CheckOnePerItem reports (as EnqueueReply would) whether a reply of kind
// target may be added to the item now: nil, or an *inbox.OnePerItemError.
func (s *Store) CheckOnePerItem(itemID string, target inbox.ReplyKind) error {
	if !target.OnePerItem {
		return nil
	}
	iid, err := parseID(itemID)
	if err != nil {
		return fmt.Errorf("item %s: %w", itemID, ErrNotFound)
	}
	return s.view(func(tx *bolt.Tx) error { return onlyReplyOfItsKind(tx, iid, target, "") })
}

// onlyReplyOfItsKind refuses a reply of a kind the platform takes once per
// item (a private reply to a comment) when one is queued, sending, sent or
// unknown; failed and cancelled ones do not count.
func onlyReplyOfItsKind(tx *bolt.Tx, iid []byte, target inbox.ReplyKind, except string) error {
	c := tx.Bucket(bRxItem).Cursor()
	for k, _ := c.Seek(iid); k != nil && bytes.HasPrefix(k, iid); k, _ = c.Next() {
		r, err := getReply(tx, k[len(iid):])
		if err != nil {
			return err
		}
		if r.ID != except && r.Private == target.SendsPrivately && !r.External && inbox.BlocksAnother(r.State) {
			return &inbox.OnePerItemError{Kind: target.Item, ReplyID: r.ID, State: r.State}
		}
	}
	return nil
}

// heldBack reports whether an earlier reply of the same thread is still
// queued, sending or unknown.
func heldBack(tx *bolt.Tx, it *inbox.Item, rid []byte) bool {
	p := prefix(threadKey(it))
	k, _ := tx.Bucket(bRxPending).Cursor().Seek(p)
	return k != nil && bytes.HasPrefix(k, p) && bytes.Compare(k[len(p):], rid) < 0
}

// dueScan walks the account's queued replies in due order up to until,
// skipping those held back by their thread, and calls fn with the first
// free one.
func dueScan(tx *bolt.Tx, account string, until *time.Time, fn func(due time.Time, r inbox.Reply, it inbox.Item) error) (bool, error) {
	p := prefix(account)
	c := tx.Bucket(bOutbox).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if len(k) != len(p)+8+idLen {
			continue
		}
		due := time.Unix(0, int64(binary.BigEndian.Uint64(k[len(p):]))).UTC()
		if until != nil && due.After(*until) {
			return false, nil
		}
		rid := clone(k[len(p)+8:])
		r, err := getReply(tx, rid)
		if err != nil {
			return false, err
		}
		it, _, err := getItemByID(tx, r.ItemID)
		if err != nil {
			return false, err
		}
		if heldBack(tx, &it, rid) {
			continue
		}
		return true, fn(due, r, it)
	}
	return false, nil
}

// lastInbound is the latest created_at of the author's items in the thread.
func lastInbound(tx *bolt.Tx, it *inbox.Item) (time.Time, error) {
	last := it.CreatedAt
	if it.ThreadID == "" {
		return last, nil
	}
	p := prefix(string(it.Channel), it.Account, it.ThreadID, it.Author.ID)
	c := tx.Bucket(bIxThreadAuthor).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if len(k) != len(p)+idLen {
			continue
		}
		o, err := getItem(tx, k[len(p):])
		if err != nil {
			return last, err
		}
		if o.CreatedAt.After(last) {
			last = o.CreatedAt
		}
	}
	return last, nil
}

// ClaimNext moves the account's next due reply to sending (attempts+1,
// attempted_at=now) and returns it; ok=false when none is due. Replies of a
// thread go in order: one in backoff, sending or unknown holds back later
// replies of its own thread only.
func (s *Store) ClaimNext(account string) (c Claim, ok bool, err error) {
	// Most polls find nothing due: answer those from a read transaction.
	now := s.now().UTC()
	err = s.view(func(tx *bolt.Tx) error {
		ok, err = dueScan(tx, account, &now, func(time.Time, inbox.Reply, inbox.Item) error { return nil })
		return err
	})
	if err != nil || !ok {
		return Claim{}, false, err
	}
	ok = false
	err = s.write(func(w *wctx) error {
		found, err := dueScan(w.tx, account, &w.now, func(_ time.Time, r inbox.Reply, it inbox.Item) error {
			rid, _ := parseID(r.ID)
			claimed, err := w.moveReply(rid, inbox.ReplySending, func(r *inbox.Reply) {
				r.Attempts++
				at := w.now
				r.AttemptedAt = &at
			})
			if err != nil {
				return err
			}
			li, err := lastInbound(w.tx, &it)
			if err != nil {
				return err
			}
			c = Claim{Reply: claimed, Item: it, LastInboundAt: li}
			return nil
		})
		ok = found
		return err
	})
	if err != nil {
		return Claim{}, false, err
	}
	return c, ok, nil
}

// NextDue returns when the account's earliest queued reply that is not held
// back by its thread becomes due.
func (s *Store) NextDue(account string) (at time.Time, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		ok, err = dueScan(tx, account, nil, func(due time.Time, _ inbox.Reply, _ inbox.Item) error {
			at = due
			return nil
		})
		return err
	})
	return at, ok, err
}

func (s *Store) replyMove(replyID string, to inbox.ReplyState, edit func(w *wctx, r *inbox.Reply) error, after func(w *wctx, r *inbox.Reply) error) (inbox.Reply, error) {
	return s.replyMoveIf(replyID, to, inbox.CanMoveReply, edit, after)
}

func (s *Store) replyMoveIf(replyID string, to inbox.ReplyState, allowed func(from, to inbox.ReplyState) bool, edit func(w *wctx, r *inbox.Reply) error, after func(w *wctx, r *inbox.Reply) error) (inbox.Reply, error) {
	rid, err := parseID(replyID)
	if err != nil {
		return inbox.Reply{}, err
	}
	var out inbox.Reply
	err = s.write(func(w *wctx) error {
		var editErr error
		r, err := w.moveReplyIf(rid, to, allowed, func(r *inbox.Reply) {
			if edit != nil {
				editErr = edit(w, r)
			}
		})
		if err != nil {
			return err
		}
		if editErr != nil {
			return editErr
		}
		if after != nil {
			if err := after(w, &r); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return inbox.Reply{}, err
	}
	return out, nil
}

// MarkSent records the platform id, answers the item (and earlier waiting
// items of the same thread from the same author) and feeds the
// first-response counters.
func (s *Store) MarkSent(replyID, externalID string) (inbox.Reply, error) {
	return s.markSent(replyID, externalID, inbox.CanMoveReply)
}

// MarkVerified records a reply that Verify found on the platform. Unlike
// MarkSent it also takes a reply an operator requeued while the outbox was
// verifying it: the platform has it, and recording it sent is what keeps the
// outbox from posting it a second time.
func (s *Store) MarkVerified(replyID, externalID string) (inbox.Reply, error) {
	return s.markSent(replyID, externalID, func(from, to inbox.ReplyState) bool {
		return inbox.CanMoveReply(from, to) || from == inbox.ReplyQueued
	})
}

func (s *Store) markSent(replyID, externalID string, allowed func(from, to inbox.ReplyState) bool) (inbox.Reply, error) {
	return s.replyMoveIf(replyID, inbox.ReplySent, allowed, func(w *wctx, r *inbox.Reply) error {
		at := w.now
		r.SentAt = &at
		r.ExternalID = externalID
		r.NextAttemptAt = nil
		return nil
	}, func(w *wctx, r *inbox.Reply) error {
		it, _, err := getItemByID(w.tx, r.ItemID)
		if err != nil {
			return err
		}
		if externalID != "" {
			// So the same reply seen again on the platform is not recorded
			// twice; and if a poll already recorded it as written outside
			// inboxd (a reply whose send timed out, verified later), that
			// record gives way to this one.
			ek := dedupKey(string(it.Channel), it.Account, externalID)
			if prev := w.tx.Bucket(bExtDedup).Get(ek); prev != nil {
				if err := w.dropExternal(clone(prev)); err != nil {
					return err
				}
			}
			rid, _ := parseID(r.ID)
			if err := w.tx.Bucket(bExtDedup).Put(ek, rid); err != nil {
				return err
			}
		}
		if r.Auto {
			return nil // an acknowledgement is never an answer
		}
		return w.answer(&it, w.now, actorOutbox)
	})
}

// dropExternal deletes a reply recorded from the platform (External), with
// its index entries and counters; other replies are left alone.
func (w *wctx) dropExternal(rid []byte) error {
	r, err := getReply(w.tx, rid)
	if err != nil || !r.External {
		return nil
	}
	it, _, err := getItemByID(w.tx, r.ItemID)
	if err != nil {
		return err
	}
	if err := w.updateIndex(replyIndex(&r, rid, &it), nil); err != nil {
		return err
	}
	w.count(replyCounters(&r, it.Unit), -1)
	w.reportReply(&r, nil, &it, -1)
	return w.tx.Bucket(bReplies).Delete(rid)
}

// MarkFailed records a permanent failure with the reason an operator can act on.
func (s *Store) MarkFailed(replyID, reason string) (inbox.Reply, error) {
	return s.replyMove(replyID, inbox.ReplyFailed, func(_ *wctx, r *inbox.Reply) error {
		r.LastError = reason
		r.NextAttemptAt = nil
		return nil
	}, nil)
}

// MarkUnknown records that the reply may or may not have been posted.
func (s *Store) MarkUnknown(replyID, reason string) (inbox.Reply, error) {
	return s.replyMove(replyID, inbox.ReplyUnknown, func(_ *wctx, r *inbox.Reply) error {
		r.LastError = reason
		r.NextAttemptAt = nil
		return nil
	}, nil)
}

// MarkNeedsDecision keeps a reply unknown and marks it as needing an
// operator's decision (retry or drop): the outbox gave up verifying it and
// never sends it again by itself. A reply no longer unknown (Verify ran
// while an operator moved it) is left as it is, with a
// *inbox.ReplyStateError.
func (s *Store) MarkNeedsDecision(replyID, reason string) (inbox.Reply, error) {
	stillUnknown := func(from, to inbox.ReplyState) bool { return from == inbox.ReplyUnknown && to == inbox.ReplyUnknown }
	return s.replyMoveIf(replyID, inbox.ReplyUnknown, stillUnknown, func(_ *wctx, r *inbox.Reply) error {
		r.NeedsDecision = true
		r.LastError = reason
		r.NextAttemptAt = nil
		return nil
	}, nil)
}

// RetryAt puts a sending/unknown reply back in the queue, due at the given time.
func (s *Store) RetryAt(replyID string, at time.Time, reason string) (inbox.Reply, error) {
	return s.replyMove(replyID, inbox.ReplyQueued, func(_ *wctx, r *inbox.Reply) error {
		t := at.UTC()
		r.NextAttemptAt = &t
		r.LastError = reason
		return nil
	}, nil)
}

// RetryUnknownAt puts a reply that is still unknown back in the queue, due
// at the given time: the outbox's answer to a Verify that found nothing. A
// Verify takes a network round trip, and meanwhile the reply may have moved
// on (an operator requeued or dropped it, another delivery claimed it after
// a reload): then it is left as it is, with a *inbox.ReplyStateError. Unlike
// RetryAt it never takes a reply out of sending, which would send it twice.
func (s *Store) RetryUnknownAt(replyID string, at time.Time, reason string) (inbox.Reply, error) {
	return s.replyMove(replyID, inbox.ReplyQueued, func(w *wctx, r *inbox.Reply) error {
		old, err := getReply(w.tx, mustID(r.ID))
		if err != nil {
			return err
		}
		if old.State != inbox.ReplyUnknown {
			return fmt.Errorf("reply %s: %w", r.ID, &inbox.ReplyStateError{From: old.State, To: inbox.ReplyQueued})
		}
		t := at.UTC()
		r.NextAttemptAt = &t
		r.LastError = reason
		return nil
	}, nil)
}

// Requeue is an operator's retry of a failed or unknown reply.
func (s *Store) Requeue(replyID, actor string) (inbox.Reply, error) {
	return s.operatorMove(replyID, actor, inbox.ReplyQueued, func(tx *bolt.Tx, r *inbox.Reply) error {
		if r.State != inbox.ReplyFailed && r.State != inbox.ReplyUnknown {
			return &inbox.ReplyStateError{From: r.State, To: inbox.ReplyQueued}
		}
		if r.State == inbox.ReplyFailed { // a failed one did not count; queued, it does
			it, iid, err := getItemByID(tx, r.ItemID)
			if err != nil {
				return err
			}
			if rk, err := s.rules.Lookup(it.Channel, it.Kind, r.Private); err == nil && rk.OnePerItem {
				return onlyReplyOfItsKind(tx, iid, rk, r.ID)
			}
		}
		return nil
	})
}

// Cancel withdraws a queued reply or drops an unknown one.
func (s *Store) Cancel(replyID, actor string) (inbox.Reply, error) {
	return s.operatorMove(replyID, actor, inbox.ReplyCancelled, nil)
}

// operatorMove is a reply move an operator asked for, audited on the item.
func (s *Store) operatorMove(replyID, actor string, to inbox.ReplyState, check func(tx *bolt.Tx, r *inbox.Reply) error) (inbox.Reply, error) {
	var from inbox.ReplyState
	return s.replyMove(replyID, to, func(w *wctx, r *inbox.Reply) error {
		old, err := getReply(w.tx, mustID(r.ID))
		if err != nil {
			return err
		}
		from = old.State
		if check != nil {
			if err := check(w.tx, &old); err != nil {
				return fmt.Errorf("reply %s: %w", r.ID, err)
			}
		}
		r.NextAttemptAt = nil
		return nil
	}, func(w *wctx, r *inbox.Reply) error {
		iid, _ := parseID(r.ItemID)
		return w.audit(iid, actor, "reply "+r.ID, string(from), string(to))
	})
}

func mustID(s string) []byte {
	b, _ := parseID(s)
	return b
}

// Reply returns one reply.
func (s *Store) Reply(id string) (inbox.Reply, error) {
	rid, err := parseID(id)
	if err != nil {
		return inbox.Reply{}, err
	}
	var r inbox.Reply
	err = s.view(func(tx *bolt.Tx) error {
		r, err = getReply(tx, rid)
		return err
	})
	return r, err
}

// Replies lists replies, newest first.
func (s *Store) Replies(f ReplyFilter) (ReplyPage, error) {
	limit := clampLimit(f.Limit)
	var after []byte
	if f.Cursor != "" {
		var err error
		if after, err = decodeCursor(f.Cursor); err != nil {
			return ReplyPage{}, err
		}
	}
	if f.State != "" && !f.State.Valid() {
		return ReplyPage{}, &ValidationError{Field: "state", Message: fmt.Sprintf("unknown reply state %q", f.State)}
	}
	var page ReplyPage
	err := s.view(func(tx *bolt.Tx) error {
		var src *indexIter
		switch {
		case f.ItemID != "":
			iid, err := parseID(f.ItemID)
			if err != nil {
				return nil // no such item: no replies
			}
			src = newIndexIter(tx.Bucket(bRxItem), iid, true, after)
		case f.Account != "" && f.State != "":
			src = newIndexIter(tx.Bucket(bRxAccountState), prefix(f.Account, string(f.State)), true, after)
		case f.State != "":
			src = newIndexIter(tx.Bucket(bRxState), prefix(string(f.State)), true, after)
		case f.Account != "":
			src = newIndexIter(tx.Bucket(bRxAccount), prefix(f.Account), true, after)
		default:
			src = newIndexIter(tx.Bucket(bReplies), nil, true, after)
		}
		items := map[string]inbox.Item{}
		for rid := src.id(); rid != nil; rid = src.next() {
			if len(page.Replies) == limit {
				page.NextCursor = encodeCursor(page.Replies[len(page.Replies)-1].ID)
				break
			}
			r, err := getReply(tx, rid)
			if err != nil {
				return err
			}
			if (f.State != "" && r.State != f.State) || (f.ItemID != "" && r.ItemID != f.ItemID) {
				continue
			}
			if f.Account != "" || f.Unit != "" {
				it, ok := items[r.ItemID]
				if !ok {
					if it, _, err = getItemByID(tx, r.ItemID); err != nil {
						return err
					}
					items[r.ItemID] = it
				}
				if (f.Account != "" && it.Account != f.Account) || (f.Unit != "" && it.Unit != unitFilter(f.Unit)) {
					continue
				}
			}
			page.Replies = append(page.Replies, r)
		}
		return nil
	})
	return page, err
}

// Unknown returns the account's replies in state unknown, oldest first.
func (s *Store) Unknown(account string) ([]Claim, error) {
	var out []Claim
	err := s.view(func(tx *bolt.Tx) error {
		p := prefix(account, string(inbox.ReplyUnknown))
		c := tx.Bucket(bRxAccountState).Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			r, err := getReply(tx, k[len(p):])
			if err != nil {
				return err
			}
			it, _, err := getItemByID(tx, r.ItemID)
			if err != nil {
				return err
			}
			li, err := lastInbound(tx, &it)
			if err != nil {
				return err
			}
			out = append(out, Claim{Reply: r, Item: it, LastInboundAt: li})
		}
		return nil
	})
	return out, err
}
