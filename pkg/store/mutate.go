package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Field limits of operator input.
const (
	MaxTags        = inbox.MaxTags
	MaxTagLen      = inbox.MaxTagLen
	MaxNameLen     = 100 // assignee, unit
	MaxNoteLen     = 10_000
	reservedNoUnit = "-" // the filter value for "no unit"
)

// normaliseTags trims, lowercases and de-duplicates tags, keeping order.
func normaliseTags(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.ToLower(strings.TrimSpace(t))
		switch {
		case t == "":
			return nil, errors.New("a tag must not be empty")
		case len([]rune(t)) > MaxTagLen:
			return nil, fmt.Errorf("tag %q is longer than %d characters", t, MaxTagLen)
		case !validText(t):
			return nil, fmt.Errorf("tag %q holds a control character", t)
		case seen[t]:
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("at most %d tags, got %d", MaxTags, len(out))
	}
	return out, nil
}

func checkName(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case len([]rune(v)) > MaxNameLen:
		return "", &ValidationError{Field: field, Message: fmt.Sprintf("is longer than %d characters", MaxNameLen)}
	case !validText(v):
		return "", &ValidationError{Field: field, Message: "must not hold control characters"}
	case field == "unit" && v == reservedNoUnit:
		return "", &ValidationError{Field: field, Message: `"-" is reserved for "no unit"; use an empty unit`}
	}
	return v, nil
}

// Update applies a partial change; a refused status move is
// *inbox.TransitionError (wrapped), a bad field a *ValidationError.
func (s *Store) Update(id, actor string, ch Change) (inbox.Item, error) {
	out, err := s.UpdateMany(actor, []ItemChange{{ID: id, Change: ch}})
	if err != nil {
		return inbox.Item{}, err
	}
	return out[0], nil
}

// ItemChange is one item's change for UpdateMany.
type ItemChange struct {
	ID     string
	Change Change
}

// UpdateMany applies several items' changes in ONE write transaction: all
// of them or none (the first error names the item and rolls back). It is
// Update for batches (a triage of many items, a re-routing job's batch),
// with one commit instead of one per item. Items come back in input order.
func (s *Store) UpdateMany(actor string, changes []ItemChange) ([]inbox.Item, error) {
	checked := make([]checkedChange, len(changes))
	for i, c := range changes {
		var err error
		if checked[i], err = checkChange(c.Change); err != nil {
			if len(changes) > 1 {
				return nil, fmt.Errorf("change %d (item %s): %w", i, c.ID, err)
			}
			return nil, err
		}
	}
	out := make([]inbox.Item, len(changes))
	err := s.write(func(w *wctx) error {
		changed := false
		for i, c := range changes {
			it, ok, err := w.update(c.ID, actor, &checked[i])
			if err != nil {
				return err
			}
			out[i], changed = it, changed || ok
		}
		w.noop = !changed
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkedChange is a Change whose fields were validated and normalised
// before the write transaction.
type checkedChange struct {
	Change
	assignee, unit, extRef *string
	tags                   []string
}

// checkChange validates what does not depend on the stored item.
func checkChange(ch Change) (checkedChange, error) {
	c := checkedChange{Change: ch}
	if ch.Priority != nil && !ch.Priority.Valid() {
		return c, &ValidationError{Field: "priority", Message: fmt.Sprintf("unknown priority %q; one of low, normal, high, urgent", *ch.Priority)}
	}
	if ch.Status != nil && !ch.Status.Valid() {
		return c, &ValidationError{Field: "status", Message: fmt.Sprintf("unknown status %q", *ch.Status)}
	}
	if ch.Assignee != nil {
		v, err := checkName("assignee", *ch.Assignee)
		if err != nil {
			return c, err
		}
		c.assignee = &v
	}
	if ch.Unit != nil {
		v, err := checkName("unit", *ch.Unit)
		if err != nil {
			return c, err
		}
		c.unit = &v
	}
	if ch.ExternalRef != nil {
		v, err := checkExternalRef(*ch.ExternalRef)
		if err != nil {
			return c, err
		}
		c.extRef = &v
	}
	if ch.Tags != nil {
		var err error
		if c.tags, err = normaliseTags(*ch.Tags); err != nil {
			return c, &ValidationError{Field: "tags", Message: err.Error()}
		}
	}
	return c, nil
}

// update applies one checked change inside w; changed is false when the
// item already had every value.
func (w *wctx) update(id, actor string, ch *checkedChange) (it inbox.Item, changed bool, err error) {
	old, iid, err := getItemByID(w.tx, id)
	if err != nil {
		return it, false, err
	}
	if ch.Scope != "" && old.Unit != ch.Scope {
		return it, false, fmt.Errorf("item %s in unit %q: %w", id, ch.Scope, ErrNotFound)
	}
	it = old
	var changes []fieldChange
	if ch.Status != nil && *ch.Status != it.Status {
		if err := inbox.CheckTransition(it.Status, *ch.Status); err != nil {
			return it, false, fmt.Errorf("item %s: %w", id, err)
		}
		changes = append(changes, fieldChange{"status", string(it.Status), string(*ch.Status)})
		it.Status = *ch.Status
	}
	if ch.assignee != nil && *ch.assignee != it.Assignee {
		changes = append(changes, fieldChange{"assignee", it.Assignee, *ch.assignee})
		it.Assignee = *ch.assignee
	}
	if ch.unit != nil && *ch.unit != it.Unit {
		changes = append(changes, fieldChange{"unit", it.Unit, *ch.unit})
		it.Unit = *ch.unit
	}
	if ch.Tags != nil && strings.Join(ch.tags, ",") != strings.Join(it.Tags, ",") {
		changes = append(changes, fieldChange{"tags", strings.Join(it.Tags, ","), strings.Join(ch.tags, ",")})
		it.Tags = ch.tags
	}
	if ch.Priority != nil && *ch.Priority != it.Priority {
		changes = append(changes, fieldChange{"priority", string(it.Priority), string(*ch.Priority)})
		it.Priority = *ch.Priority
	}
	if ch.extRef != nil && *ch.extRef != it.ExternalRef {
		changes = append(changes, fieldChange{"external_ref", it.ExternalRef, *ch.extRef})
		it.ExternalRef = *ch.extRef
	}
	if len(changes) == 0 {
		return it, false, nil
	}
	dl, err := w.deadlineChanges(&it, &old, ch.Deadlines)
	if err != nil {
		return it, false, err
	}
	changes = append(changes, dl...)
	if err := w.commitChanges(iid, &old, &it, actor, changes); err != nil {
		return it, false, err
	}
	return it, true, nil
}

// commitChanges writes it over old with its indexes and counters, moves its
// replies' counters to a new unit, audits each change as actor and emits
// the item's events.
func (w *wctx) commitChanges(iid []byte, old, it *inbox.Item, actor string, changes []fieldChange) error {
	if err := w.putItem(it, old); err != nil {
		return err
	}
	if it.Unit != old.Unit {
		if err := w.moveReplyCounters(iid, old.Unit, it.Unit); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if err := w.audit(iid, actor, c.field, c.from, c.to); err != nil {
			return err
		}
	}
	ev := Event{Type: EventItemUpdated, ItemID: it.ID, Account: it.Account, Unit: it.Unit}
	if it.Unit != old.Unit {
		ev.FromUnit = old.Unit
	}
	w.emit(ev)
	if it.Overdue != "" && it.Overdue != old.Overdue {
		w.emit(Event{Type: EventItemOverdue, ItemID: it.ID, Account: it.Account, Unit: it.Unit})
	}
	return nil
}

// moveReplyCounters re-counts an item's replies under its new unit.
func (w *wctx) moveReplyCounters(iid []byte, from, to string) error {
	c := w.tx.Bucket(bRxItem).Cursor()
	for k, _ := c.Seek(iid); k != nil && len(k) == 2*idLen && string(k[:idLen]) == string(iid); k, _ = c.Next() {
		r, err := getReply(w.tx, k[idLen:])
		if err != nil {
			return err
		}
		for _, k := range replyCounters(&r, from) {
			if strings.HasPrefix(k, "rsu\x00") || strings.HasPrefix(k, "rau\x00") || strings.HasPrefix(k, "rdu\x00") {
				w.deltas[k]--
			}
		}
		for _, k := range replyCounters(&r, to) {
			if strings.HasPrefix(k, "rsu\x00") || strings.HasPrefix(k, "rau\x00") || strings.HasPrefix(k, "rdu\x00") {
				w.deltas[k]++
			}
		}
	}
	return nil
}

// AddNote adds an internal note to an item.
func (s *Store) AddNote(id, actor, text string) (inbox.Note, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return inbox.Note{}, &ValidationError{Field: "text", Message: "must not be empty"}
	case len([]rune(text)) > MaxNoteLen:
		return inbox.Note{}, &ValidationError{Field: "text", Message: fmt.Sprintf("is longer than %d characters", MaxNoteLen)}
	}
	var n inbox.Note
	err := s.write(func(w *wctx) error {
		it, iid, err := getItemByID(w.tx, id)
		if err != nil {
			return err
		}
		nid := w.s.newID(w.now)
		n = inbox.Note{ID: idString(nid), ItemID: it.ID, Text: text, Author: actor, CreatedAt: w.now}
		raw, err := json.Marshal(n)
		if err != nil {
			return err
		}
		if err := w.tx.Bucket(bNotes).Put(withID(iid, nid), raw); err != nil {
			return err
		}
		if err := w.indexNote(iid); err != nil {
			return err
		}
		if err := w.audit(iid, actor, "note", "", n.ID); err != nil {
			return err
		}
		w.emit(Event{Type: EventItemUpdated, ItemID: it.ID, Account: it.Account, Unit: it.Unit})
		return nil
	})
	if err != nil {
		return inbox.Note{}, err
	}
	return n, nil
}
