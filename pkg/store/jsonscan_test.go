package store

import (
	"encoding/json"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
)

// The scanner reads a case's fields exactly as encoding/json decodes them,
// on stored items and on JSON that tries to mislead it.
func TestTopLevelStringsMatchesEncodingJSON(t *testing.T) {
	var docs [][]byte
	w, err := workload.New(workload.Realistic, 7, 2000)
	if err != nil {
		t.Fatal(err)
	}
	for k := range w.Pages() {
		p := w.Page(k)
		for i := range p.Items {
			it := p.Items[i]
			it.Status = p.Want[i]
			if i%3 == 0 {
				it.Ticket = inbox.FormatTicket(inbox.DefaultTicketPrefix, 2026, uint64(k*100+i))
			}
			raw, err := marshalItem(&it)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, raw)
		}
	}
	stored := len(docs)
	for _, s := range []string{
		`{}`,
		` { "status" : "open" , "ticket" : "A\"B\\C\u00e9" } `,
		`{"author":{"ticket":"nested","status":"closed"},"status":"new"}`,
		`{"text":"quote \" and } and { and \\","attachments":[{"ticket":"x"},["]"]],"ticket":"T-1"}`,
		`{"ticket":null,"status":"answered","n":-1.5e3,"b":true,"z":false}`,
		`{"ticket":"first","ticket":"last"}`,
		`{"ticket":12}`,
		`{"tick\u0065t":"escaped key","status":"open"}`,
		`{"status":"open"`,
		`["status","open"]`,
		`{"text":"unterminated}`,
		`not json`,
	} {
		docs = append(docs, []byte(s))
	}
	for n, raw := range docs {
		// Every stored item takes the fast path.
		var out [2]string
		if err := topLevelStrings(raw, caseFieldKeys[:], out[:]); n < stored && err != nil {
			t.Errorf("%s: the scanner refused a stored item: %v", raw, err)
		}
		var want caseFields
		wantErr := json.Unmarshal(raw, &want)
		got, err := decodeCaseFields(raw)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, encoding/json's %v", raw, err, wantErr)
			continue
		}
		if got != want {
			t.Errorf("%s: read %+v, encoding/json %+v", raw, got, want)
		}
	}
}
