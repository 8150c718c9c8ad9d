package inbox

import (
	"fmt"
	"slices"
)

// ReplyKind is one way a platform carries an answer to one kind of item:
// a row of a connector's reply table.
type ReplyKind struct {
	Item    Kind // the kind of item answered
	Private bool // what the operator asked for
	// Refused, when set, says why the platform cannot carry such a reply
	// (e.g. a public answer to a private message); the rest is unused.
	Refused string
	// SendsPrivately: the reply travels as a private message (whatever was
	// asked: a Messenger answer is always private).
	SendsPrivately bool
	Limit          TextLimit
	// OnePerItem: the platform accepts only one such reply per item (Meta's
	// private reply to a comment). A queued, sending, sent or unknown one
	// blocks another; a failed or cancelled one does not.
	OnePerItem bool
	// Warnings, when set, says what an operator should know before this
	// text goes out (e.g. it costs more); it never refuses anything.
	Warnings func(text string) []string
}

// ReplyTable is what a connector package declares about its replies: its
// channel and one row per (item kind, private) pair it can be asked for.
// Each connector builds it in one place; cmd/inboxd collects them into a
// ReplyRules and hands that to the API, the store and the scheduler.
type ReplyTable struct {
	Channel Channel
	// Name is the platform as people know it ("X (Twitter)"), for reports;
	// empty: the channel.
	Name  string
	Kinds []ReplyKind
}

// Lookup finds the row for answering an item of kind k, privately or not.
func (t ReplyTable) Lookup(k Kind, private bool) (ReplyKind, error) {
	for _, rk := range t.Kinds {
		if rk.Item == k && rk.Private == private {
			if rk.Refused != "" {
				return rk, &ReplyRefusedError{Reason: rk.Refused}
			}
			return rk, nil
		}
	}
	return ReplyKind{}, &ReplyRefusedError{Reason: fmt.Sprintf("a %s item cannot be answered on %s", k, t.Channel)}
}

// CheckReply looks up how a reply travels and checks its text with
// CheckText against that row's limit: the one function every layer calls.
func (t ReplyTable) CheckReply(k Kind, private bool, text string) (ReplyKind, error) {
	rk, err := t.Lookup(k, private)
	if err != nil {
		return rk, err
	}
	return rk, CheckText("text", text, rk.Limit)
}

// ReplyRefusedError is a reply the platform cannot carry as asked (field
// "private").
type ReplyRefusedError struct{ Reason string }

func (e *ReplyRefusedError) Error() string { return "private: " + e.Reason }

// Detail is the message without the field name.
func (e *ReplyRefusedError) Detail() string { return e.Reason }

// ReplyRules holds every registered connector's reply table. It is built
// once at start-up and read-only afterwards, so it is shared freely.
type ReplyRules struct {
	tables map[Channel]ReplyTable
}

// NewReplyRules collects connector tables; a channel registered twice, a
// row given twice or a row without a limit is a programming error.
func NewReplyRules(tables ...ReplyTable) (ReplyRules, error) {
	rr := ReplyRules{tables: make(map[Channel]ReplyTable, len(tables))}
	for _, t := range tables {
		if _, dup := rr.tables[t.Channel]; dup || t.Channel == "" {
			return ReplyRules{}, fmt.Errorf("reply table for channel %q registered twice or unnamed", t.Channel)
		}
		for i, rk := range t.Kinds {
			if slices.ContainsFunc(t.Kinds[:i], func(o ReplyKind) bool { return o.Item == rk.Item && o.Private == rk.Private }) {
				return ReplyRules{}, fmt.Errorf("%s reply table: %s private=%v given twice", t.Channel, rk.Item, rk.Private)
			}
			if rk.Refused == "" && rk.Limit.Max <= 0 {
				return ReplyRules{}, fmt.Errorf("%s reply table: %s private=%v has no limit", t.Channel, rk.Item, rk.Private)
			}
		}
		t.Kinds = slices.Clone(t.Kinds)
		rr.tables[t.Channel] = t
	}
	return rr, nil
}

// MustReplyRules is NewReplyRules for fixed tables (tests, wiring).
func MustReplyRules(tables ...ReplyTable) ReplyRules {
	rr, err := NewReplyRules(tables...)
	if err != nil {
		panic(err)
	}
	return rr
}

// Channels are the channels with a reply table, sorted: the platforms
// inboxd speaks to (connectors/registry registers one table per platform).
func (rr ReplyRules) Channels() []Channel {
	out := make([]Channel, 0, len(rr.tables))
	for ch := range rr.tables {
		out = append(out, ch)
	}
	slices.Sort(out)
	return out
}

// Name is the platform's name of ch (its table's Name, else the channel).
func (rr ReplyRules) Name(ch Channel) string {
	if t := rr.tables[ch]; t.Name != "" {
		return t.Name
	}
	return string(ch)
}

// Has reports whether ch is a registered channel.
func (rr ReplyRules) Has(ch Channel) bool {
	_, ok := rr.tables[ch]
	return ok
}

// Table is the reply table of ch.
func (rr ReplyRules) Table(ch Channel) (ReplyTable, bool) {
	t, ok := rr.tables[ch]
	return t, ok
}

// Lookup finds how a reply to an item of channel ch and kind k travels.
func (rr ReplyRules) Lookup(ch Channel, k Kind, private bool) (ReplyKind, error) {
	t, ok := rr.tables[ch]
	if !ok {
		return ReplyKind{}, fmt.Errorf("no reply table is registered for channel %q", ch)
	}
	return t.Lookup(k, private)
}

// CheckReply is ReplyTable.CheckReply for the item's channel.
func (rr ReplyRules) CheckReply(ch Channel, k Kind, private bool, text string) (ReplyKind, error) {
	t, ok := rr.tables[ch]
	if !ok {
		return ReplyKind{}, fmt.Errorf("no reply table is registered for channel %q", ch)
	}
	return t.CheckReply(k, private, text)
}
