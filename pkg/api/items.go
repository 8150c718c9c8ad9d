package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// Input bounds beyond the platforms' reply limits.
const (
	maxNoteLen    = 10_000
	maxTags       = 20
	maxTagLen     = 64
	maxNameLen    = 100 // assignee, unit
	maxIdemKeyLen = 200
	waitingStatus = "waiting"
)

// parseItemFilter turns the query string into a store filter.
func parseItemFilter(q url.Values, channels []inbox.Channel) (store.Filter, error) {
	var v validationErrors
	f := store.Filter{
		Account:     q.Get("account"),
		Unit:        q.Get("unit"),
		Assignee:    q.Get("assignee"),
		Tag:         q.Get("tag"),
		Ticket:      strings.TrimSpace(q.Get("ticket")),
		ExternalRef: strings.TrimSpace(q.Get("external_ref")),
		Query:       q.Get("q"),
		Cursor:      q.Get("cursor"),
	}
	if s := q.Get("status"); s != "" {
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			switch st := inbox.Status(part); {
			case part == waitingStatus:
				f.Statuses = append(f.Statuses, inbox.StatusNew, inbox.StatusOpen)
			case st.Valid():
				f.Statuses = append(f.Statuses, st)
			default:
				v.add("status", "unknown status %q; use new, open, answered, closed, ignored or waiting", part)
			}
		}
	}
	if c := inbox.Channel(q.Get("channel")); c != "" {
		if !slices.Contains(channels, c) {
			v.add("channel", "must be %s", joinEnum(channels))
		}
		f.Channel = c
	}
	if k := inbox.Kind(q.Get("kind")); k != "" {
		if !k.Valid() {
			v.add("kind", "must be message, comment or mention")
		}
		f.Kind = k
	}
	switch o := q.Get("overdue"); o {
	case "":
	case "true", "false":
		b := o == "true"
		f.Overdue = &b
	default:
		v.add("overdue", "must be true or false")
	}
	switch o := q.Get("order"); o {
	case "", string(store.NewestFirst):
		f.Order = store.NewestFirst
	case string(store.OldestFirst):
		f.Order = store.OldestFirst
	default:
		v.add("order", "must be newest or oldest")
	}
	for _, fld := range []struct{ name, val string }{
		{"account", f.Account}, {"unit", f.Unit}, {"assignee", f.Assignee}, {"tag", f.Tag}, {"q", f.Query}, {"cursor", f.Cursor},
		{"ticket", f.Ticket}, {"external_ref", f.ExternalRef},
	} {
		checkText(&v, fld.name, fld.val, maxFilterLen)
	}
	limit, err := parseLimit(q.Get("limit"))
	if err != nil {
		var p *Problem
		if errors.As(err, &p) {
			v = append(v, p.Errors...)
		}
	}
	f.Limit = limit
	return f, v.err()
}

func (s *Server) listItems(w http.ResponseWriter, r *http.Request) error {
	f, err := parseItemFilter(r.URL.Query(), s.channels)
	if err != nil {
		return err
	}
	sc := scope(r)
	if sc != "" {
		if f.Unit != "" && f.Unit != sc {
			// Another unit's items do not exist for this token.
			body := []byte(`{"items":[],"next_cursor":""`)
			if f.Query != "" {
				var err error
				if body, _, err = s.appendIndexLag(body); err != nil {
					return err
				}
			}
			return writeBody(w, http.StatusOK, "application/json", append(body, "}\n"...))
		}
		f.Unit = sc
	}
	f.MaxScan = s.maxScan
	var key string
	// Taken before the read: a write committing during it moves the
	// generation past gen, so the body is never served as current.
	gen := s.store.Generation()
	if s.lists != nil {
		key = listCacheKey(sc, &f)
		if body, ok := s.lists.get(key, gen); ok {
			return writeBody(w, http.StatusOK, "application/json", body)
		}
	}
	// The store hands each item's stored JSON, already as served, inside
	// its read transaction: splice it, no re-encode and no copy per item,
	// into a pooled buffer written with one Write (one syscall for a
	// typical page, as a hand-written handler would do).
	buf := s.buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			s.buffers.Put(buf)
		}
	}()
	buf.Reset()
	buf.WriteString(`{"items":[`)
	n := 0
	next, err := s.store.ListRawFunc(f, func(raw []byte) {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		buf.Write(raw)
	})
	if err != nil {
		return err
	}
	buf.WriteString(`],"next_cursor":`)
	buf.WriteString(strconv.Quote(next))
	lagging := false
	body := buf.Bytes()
	if f.Query != "" {
		if body, lagging, err = s.appendIndexLag(body); err != nil {
			return err
		}
	}
	body = append(body, "}\n"...)
	// A lag grows without a write: only a caught-up answer is cached.
	if s.lists != nil && !lagging {
		body = bytes.Clone(body)
		s.lists.put(key, gen, body)
	}
	return writeBody(w, http.StatusOK, "application/json", body)
}

// appendIndexLag adds a search answer's "index_lag_seconds": how far the
// word index is behind the newest item (its items are still found, checked
// one by one). lagging says the answer may change without a write.
func (s *Server) appendIndexLag(body []byte) (out []byte, lagging bool, err error) {
	lag, err := s.store.IndexLag()
	if err != nil {
		return body, false, err
	}
	body = append(body, `,"index_lag_seconds":`...)
	return strconv.AppendFloat(body, lag.Seconds(), 'f', 3, 64), lag > 0, nil
}

// maxPooledBuffer keeps an unusually large response's buffer out of the pool.
const maxPooledBuffer = 1 << 20

// itemInScope loads an item and hides it (404) from tokens of other units.
func (s *Server) itemInScope(r *http.Request, id string) (inbox.Item, error) {
	it, err := s.store.Get(id)
	if errors.Is(err, store.ErrNotFound) {
		return it, errNotFound("item " + strconv.Quote(id))
	}
	if err != nil {
		return it, err
	}
	if sc := scope(r); sc != "" && it.Unit != sc {
		return inbox.Item{}, errNotFound("item " + strconv.Quote(id))
	}
	if s.afterScopeCheck != nil {
		s.afterScopeCheck(id)
	}
	return it, nil
}

func (s *Server) getItem(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	d, err := s.store.Detail(id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("item " + strconv.Quote(id))
	}
	if err != nil {
		return err
	}
	if sc := scope(r); sc != "" {
		if d.Item.Unit != sc {
			return errNotFound("item " + strconv.Quote(id))
		}
		thread := d.Thread[:0:0]
		for _, it := range d.Thread {
			if it.Unit == sc {
				thread = append(thread, it)
			}
		}
		d.Thread = thread
	}
	nonNil(&d)
	return writeJSON(w, http.StatusOK, d)
}

// nonNil makes empty lists [] rather than null for clients.
func nonNil(d *store.Detail) {
	if d.Thread == nil {
		d.Thread = []inbox.Item{}
	}
	if d.Replies == nil {
		d.Replies = []inbox.Reply{}
	}
	if d.Notes == nil {
		d.Notes = []inbox.Note{}
	}
	if d.Audit == nil {
		d.Audit = []inbox.AuditEntry{}
	}
}

// itemPatch is the PATCH body; absent fields stay as they are.
type itemPatch struct {
	Status      *inbox.Status   `json:"status"`
	Assignee    *string         `json:"assignee"`
	Unit        *string         `json:"unit"`
	Tags        *[]string       `json:"tags"`
	Priority    *inbox.Priority `json:"priority"`
	ExternalRef *string         `json:"external_ref"`
}

func (p itemPatch) validate(scopeUnit string) (store.Change, error) {
	var v validationErrors
	ch := store.Change{Status: p.Status, Assignee: p.Assignee, Unit: p.Unit, Tags: p.Tags, Priority: p.Priority, ExternalRef: p.ExternalRef}
	if p == (itemPatch{}) {
		v.add("body", "give at least one of status, assignee, unit, tags, priority, external_ref")
	}
	if p.ExternalRef != nil {
		checkText(&v, "external_ref", *p.ExternalRef, inbox.MaxExternalRefLen)
	}
	if p.Status != nil && !p.Status.Valid() {
		v.add("status", "unknown status %q; use open, answered, closed or ignored", *p.Status)
	}
	if p.Priority != nil && !p.Priority.Valid() {
		v.add("priority", "must be low, normal, high or urgent")
	}
	if p.Assignee != nil {
		checkText(&v, "assignee", *p.Assignee, maxNameLen)
	}
	if p.Unit != nil {
		checkText(&v, "unit", *p.Unit, maxNameLen)
		if *p.Unit == "-" {
			v.add("unit", `"-" is reserved (it filters items with no unit); use "" to clear`)
		}
	}
	if p.Tags != nil {
		if len(*p.Tags) > maxTags {
			v.add("tags", "at most %d tags", maxTags)
		}
		for i, t := range *p.Tags {
			field := "tags[" + strconv.Itoa(i) + "]"
			if strings.TrimSpace(t) == "" {
				v.add(field, "must not be empty")
				continue
			}
			checkText(&v, field, t, maxTagLen)
		}
	}
	if err := v.err(); err != nil {
		return ch, err
	}
	if scopeUnit != "" && p.Unit != nil && *p.Unit != scopeUnit {
		return ch, authFailure(problem(http.StatusForbidden, "forbidden", "unit: a token scoped to unit "+strconv.Quote(scopeUnit)+
			" cannot move items to another unit", FieldError{Field: "unit", Message: "cannot move items out of unit " + strconv.Quote(scopeUnit)}),
			reasonScope)
	}
	return ch, nil
}

func (s *Server) patchItem(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var body itemPatch
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	ch, err := body.validate(scope(r))
	if err != nil {
		return err
	}
	if body.Unit != nil {
		if err := s.checkUnitField(*body.Unit); err != nil {
			return err
		}
	}
	if _, err := s.itemInScope(r, id); err != nil {
		return err
	}
	ch.Scope = scope(r) // checked again in the write: the item may move meanwhile
	if s.deadlines.Load() != nil {
		ch.Deadlines = s.deadlines.ItemDeadlines
	}
	it, err := s.store.Update(id, actor(r), ch)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("item " + strconv.Quote(id))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, it)
}

type newNote struct {
	Text string `json:"text"`
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var body newNote
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if err := inbox.CheckText("text", body.Text, inbox.TextLimit{Name: "note", Max: maxNoteLen}); err != nil {
		return err
	}
	if _, err := s.itemInScope(r, id); err != nil {
		return err
	}
	note, err := s.store.AddNote(id, actor(r), body.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, note)
}

type newReply struct {
	Text     string `json:"text"`
	Private  bool   `json:"private"`
	Template string `json:"template"` // instead of text: a template's name
}

// validateReply checks a reply against what the item's platform can carry,
// with the same function the store and the connector call.
func (s *Server) validateReply(it inbox.Item, body newReply) error {
	_, err := s.replies.CheckReply(it.Channel, it.Kind, body.Private, body.Text)
	return err
}

func (s *Server) addReply(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdemKeyLen || strings.ContainsFunc(key, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
		return invalid("Idempotency-Key", "must be at most %d printable ASCII characters", maxIdemKeyLen)
	}
	var body newReply
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	it, err := s.itemInScope(r, id)
	if err != nil {
		return err
	}
	if body.Text, err = s.replyText(r, it, body); err != nil {
		return err
	}
	if err := s.validateReply(it, body); err != nil {
		return err
	}
	reply, created, err := s.store.EnqueueReply(id, store.NewReply{Text: body.Text, Private: body.Private, Author: actor(r), Template: body.Template,
		IdempotencyKey: key, IdempotencyOwner: principalFrom(r).key(),
		Scope: scope(r)}) // scope checked again in the write: the item may move meanwhile
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("item " + strconv.Quote(id))
	}
	if errors.Is(err, store.ErrConflict) {
		return problem(http.StatusConflict, "idempotency-conflict",
			"this Idempotency-Key was already used for this item with a different body")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/replies/"+url.PathEscape(reply.ID))
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	return writeJSON(w, status, queuedReply{Reply: reply, Warnings: s.replyWarnings(it, body)})
}

// queuedReply is the answer to POST .../replies: the reply and what the
// operator should know about it (e.g. an X post with a URL costs more).
type queuedReply struct {
	inbox.Reply
	Warnings []string `json:"warnings,omitempty"`
}

// replyWarnings asks the item's reply kind what to warn about.
func (s *Server) replyWarnings(it inbox.Item, body newReply) []string {
	rk, err := s.replies.Lookup(it.Channel, it.Kind, body.Private)
	if err != nil || rk.Warnings == nil {
		return nil
	}
	return rk.Warnings(body.Text)
}
