package metagraph

import (
	"cmp"
	"iter"
	"net/url"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Missing says what a record lacks to be used, or "".
func Missing(what, id string, t time.Time, timeField string) string {
	switch {
	case id == "":
		return what + " has no id"
	case t.IsZero():
		return what + " " + id + " has no " + timeField
	}
	return ""
}

// UpdatedTime is a thread's updated_time, or, when Graph left it out (it
// does unless the fields ask for it), the latest of its creation and its
// entries' times.
func UpdatedTime(updated, created time.Time, entries iter.Seq2[time.Time, string]) time.Time {
	if !updated.IsZero() {
		return updated
	}
	latest := created
	for t := range entries {
		if t.After(latest) {
			latest = t
		}
	}
	return latest
}

// Entries yields the creation time and id of a thread's entries.
func Entries[T any](data []T, key func(T) (time.Time, string)) iter.Seq2[time.Time, string] {
	return func(yield func(time.Time, string) bool) {
		for _, e := range data {
			if !yield(key(e)) {
				return
			}
		}
	}
}

// Batch collects one page's results.
type Batch struct {
	Source   string
	Items    []inbox.Item
	Ext      []inbox.ExternalReply
	Rejected []connectors.Rejected
	// follow lists the pages to read next: a thread's further comments or
	// messages first, the list's own next page last.
	Follow []Step
}

// Reject records list entries that did not decode.
func (b *Batch) Reject(bad []BadRecord, what string) {
	for _, r := range bad {
		b.RejectRecord(connectors.RejectedID(r.Raw), what+" is not in Graph's shape: "+r.Err.Error(), r.Raw)
	}
}

// RejectRecord quarantines one record.
func (b *Batch) RejectRecord(id, reason string, raw []byte) {
	b.Rejected = append(b.Rejected, connectors.Rejected{Source: b.Source, ExternalID: id, Reason: reason, Raw: raw})
}

// AddItem adds an item, or rejects it when the inbox would refuse it.
func (b *Batch) AddItem(it inbox.Item, raw []byte) {
	if err := it.Validate(); err != nil {
		b.RejectRecord(it.ExternalID, err.Error(), raw)
		return
	}
	b.Items = append(b.Items, it)
}

// Next queues the list's next page (a link outside base is never
// followed: it is quarantined and the rest of the list skipped).
func (b *Batch) Next(base *url.URL, cur Step, next, thread string) error {
	if next == "" {
		return nil
	}
	rel, err := RelativeURL(base, next)
	if err != nil {
		// Never followed (it could carry the token elsewhere), and never
		// a reason to retry the page: the rest of this list is skipped, and
		// the link (without its query, which may hold the token) is kept
		// for an operator to see.
		var link []byte
		if u, perr := url.Parse(next); perr == nil {
			u.RawQuery, u.User, u.Fragment = "", nil, ""
			link = []byte(u.String())
		}
		b.RejectRecord(cmp.Or(thread, cur.Thread), "the rest of this list was not read: "+err.Error(), link)
		return nil
	}
	if thread == "" {
		thread = cur.Thread
	}
	b.Follow = append(b.Follow, Step{Kind: cur.Kind, Thread: thread, URL: rel, Floor: cur.Floor})
	return nil
}
