package store

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// appendItemJSON appends it exactly as encoding/json marshals it (same
// field order, omitempty rules and escaping: TestItemJSONMatchesEncodingJSON
// holds the two together and fails when inbox.Item gains a field). Ingest
// encodes every item, and reflection was a tenth of a durable page's time.
func appendItemJSON(b []byte, it *inbox.Item) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, it.ID)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, string(it.Channel))
	b = append(b, `,"account":`...)
	b = appendJSONString(b, it.Account)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(it.Kind))
	b = append(b, `,"external_id":`...)
	b = appendJSONString(b, it.ExternalID)
	if it.ThreadID != "" {
		b = append(b, `,"thread_id":`...)
		b = appendJSONString(b, it.ThreadID)
	}
	if it.ParentID != "" {
		b = append(b, `,"parent_id":`...)
		b = appendJSONString(b, it.ParentID)
	}
	b = append(b, `,"author":{"id":`...)
	b = appendJSONString(b, it.Author.ID)
	if it.Author.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, it.Author.Name)
	}
	if it.Author.Handle != "" {
		b = append(b, `,"handle":`...)
		b = appendJSONString(b, it.Author.Handle)
	}
	b = append(b, `},"text":`...)
	b = appendJSONString(b, it.Text)
	if len(it.Attachments) > 0 {
		b = append(b, `,"attachments":[`...)
		for i, a := range it.Attachments {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = appendJSONString(b, a.Type)
			if a.URL != "" {
				b = append(b, `,"url":`...)
				b = appendJSONString(b, a.URL)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if it.Permalink != "" {
		b = append(b, `,"permalink":`...)
		b = appendJSONString(b, it.Permalink)
	}
	b = append(b, `,"created_at":`...)
	b = appendJSONTime(b, it.CreatedAt)
	b = append(b, `,"received_at":`...)
	b = appendJSONTime(b, it.ReceivedAt)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(it.Status))
	if it.Assignee != "" {
		b = append(b, `,"assignee":`...)
		b = appendJSONString(b, it.Assignee)
	}
	if it.Unit != "" {
		b = append(b, `,"unit":`...)
		b = appendJSONString(b, it.Unit)
	}
	if len(it.Tags) > 0 {
		b = append(b, `,"tags":[`...)
		for i, t := range it.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, t)
		}
		b = append(b, ']')
	}
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, string(it.Priority))
	if it.Backfill {
		b = append(b, `,"backfill":true`...)
	}
	if it.AnsweredAt != nil {
		b = append(b, `,"answered_at":`...)
		b = appendJSONTime(b, *it.AnsweredAt)
	}
	if it.Ticket != "" {
		b = append(b, `,"ticket":`...)
		b = appendJSONString(b, it.Ticket)
	}
	if it.ExternalRef != "" {
		b = append(b, `,"external_ref":`...)
		b = appendJSONString(b, it.ExternalRef)
	}
	for _, f := range [...]struct {
		name string
		t    *time.Time
	}{{`,"first_response_due_at":`, it.FirstResponseDueAt}, {`,"resolution_due_at":`, it.ResolutionDueAt}, {`,"first_response_at":`, it.FirstResponseAt}} {
		if f.t != nil {
			b = append(b, f.name...)
			b = appendJSONTime(b, *f.t)
		}
	}
	if it.Overdue != "" {
		b = append(b, `,"overdue":`...)
		b = appendJSONString(b, it.Overdue)
	}
	if it.ReplyWindowEndsAt != nil {
		b = append(b, `,"reply_window_ends_at":`...)
		b = appendJSONTime(b, *it.ReplyWindowEndsAt)
	}
	return append(b, '}')
}

// marshalItem encodes an item for the items bucket; times outside what
// RFC 3339 can carry fall back to encoding/json and its error.
func marshalItem(it *inbox.Item) ([]byte, error) {
	if !jsonTimeOK(it.CreatedAt) || !jsonTimeOK(it.ReceivedAt) || !optTimeOK(it.AnsweredAt) ||
		!optTimeOK(it.FirstResponseDueAt) || !optTimeOK(it.ResolutionDueAt) || !optTimeOK(it.FirstResponseAt) ||
		!optTimeOK(it.ReplyWindowEndsAt) {
		return json.Marshal(it)
	}
	return appendItemJSON(make([]byte, 0, 512+len(it.Text)), it), nil
}

func optTimeOK(t *time.Time) bool { return t == nil || jsonTimeOK(*t) }

func jsonTimeOK(t time.Time) bool {
	if y := t.Year(); y < 0 || y > 9999 {
		return false
	}
	_, off := t.Zone()
	return off%60 == 0 && off > -24*3600 && off < 24*3600
}

func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString is encoding/json's string encoder (HTML-safe, invalid
// UTF-8 as U+FFFD, U+2028/U+2029 escaped).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
