package metagraph

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// TimeLayout is how Graph writes times: 2021-02-13T10:04:31+0000.
const TimeLayout = "2006-01-02T15:04:05-0700"

// Time is a Graph timestamp (TimeLayout, or RFC 3339), in UTC.
type Time struct{ time.Time }

// UnmarshalJSON reads TimeLayout or RFC 3339; empty and null are the zero time.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := time.Parse(TimeLayout, s)
	if err != nil {
		if v, err = time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("graph time %q: %w", s, err)
		}
	}
	t.Time = v.UTC()
	return nil
}

// Profile is a Graph user or Page reference (Instagram adds username).
type Profile struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	// Username is an Instagram user's handle.
	Username string `json:"username,omitempty"`
}

// Paging is a Graph list's paging block.
type Paging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

// List is a Graph list. It decodes record by record: a record in an
// unexpected shape lands in Bad with its raw JSON instead of failing the
// list, so one bad comment never hides the others.
type List[T any] struct {
	Data   []T
	Raw    []json.RawMessage // Raw[i] is Data[i] as Graph sent it
	Bad    []BadRecord
	Paging Paging
}

// BadRecord is a list entry that did not decode.
type BadRecord struct {
	Raw json.RawMessage
	Err error
}

// UnmarshalJSON decodes the list record by record.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	var parts struct {
		Data   json.RawMessage `json:"data"`
		Paging json.RawMessage `json:"paging"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	*l = List[T]{}
	if len(parts.Paging) > 0 {
		// Unreadable paging ends the walk here; the records still count.
		_ = json.Unmarshal(parts.Paging, &l.Paging)
	}
	if len(parts.Data) == 0 || string(parts.Data) == "null" {
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(parts.Data, &raws); err != nil {
		l.Bad = append(l.Bad, BadRecord{Raw: parts.Data, Err: fmt.Errorf("data is not a list: %w", err)})
		return nil
	}
	for _, r := range raws {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			l.Bad = append(l.Bad, BadRecord{Raw: r, Err: err})
			continue
		}
		l.Data = append(l.Data, v)
		l.Raw = append(l.Raw, r)
	}
	return nil
}
