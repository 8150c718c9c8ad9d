package facebook

import (
	"cmp"
	"context"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

const (
	pageSize = 25
	// feedSinceMargin widens the feed's `since` below the watermark, so a
	// post whose updated_time Graph records a little late is still listed.
	feedSinceMargin = 5 * time.Minute

	messageFields = "id,message,from,to,created_time,attachments"
	commentFields = "id,from,message,created_time,parent{id},permalink_url,attachment"
	tagFields     = "id,from,message,created_time,permalink_url"
)

// Poll reads what arrived since cursor, at most max_pages_per_poll pages
// per source.
func (c *Connector) Poll(ctx context.Context, cursor []byte) (connectors.Page, error) {
	pc, err := decodeCursor(cursor)
	if err != nil {
		// A cursor we cannot read is not worth stopping the account for:
		// start over from the look-back; dedup absorbs the re-read.
		c.log.Warn("unreadable poll cursor, starting over from the look-back window", "error", err.Error())
		pc = nil
	}
	now := c.now().UTC().Truncate(time.Second)
	if pc == nil {
		pc = &pollCursor{V: cursorVersion}
	}
	next := &pollCursor{V: cursorVersion, Sources: map[string]*sourceState{}}
	for _, src := range c.cfg.Sources {
		st := pc.Sources[src]
		backfill := st == nil
		if st == nil { // first poll, or a source added to the config
			st = &sourceState{Watermark: now.Add(-c.cfg.Lookback)}
		}
		if st.Walk == nil {
			// Started here, not in the loop below, so a walk an error keeps
			// from starting still remembers that it is the look-back import.
			st.Walk = &walk{Target: st.Watermark, TargetIDs: slices.Clone(st.Boundary),
				Pending: []step{c.headStep(src, st)}, Backfill: backfill}
		}
		next.Sources[src] = st
	}

	var page connectors.Page
sources:
	for _, src := range c.cfg.Sources {
		// max_pages_per_poll bounds each source, so a long walk on one
		// source never starves the others.
		budget := c.cfg.MaxPagesPerPoll
		st := next.Sources[src]
		for len(st.Walk.Pending) > 0 && budget > 0 {
			stp := st.Walk.Pending[0]
			budget--
			// A page that fails half-way must not move the target: its
			// items are dropped, so the watermark may not pass them.
			target, targetIDs := st.Walk.Target, slices.Clone(st.Walk.TargetIDs)
			items, ext, follow, err := c.fetch(ctx, st, stp)
			if err != nil {
				st.Walk.Target, st.Walk.TargetIDs = target, targetIDs
				if len(page.Items)+len(page.External) == 0 {
					return connectors.Page{}, err
				}
				// Keep what was read (its cursor is safe to commit); the
				// error comes back on the next poll, which More asks for soon.
				page.More = true
				break sources
			}
			st.Walk.Pending = append(follow, st.Walk.Pending[1:]...)
			page.Items = append(page.Items, items...)
			page.External = append(page.External, ext...)
		}
		if len(st.Walk.Pending) == 0 {
			st.finish()
		} else {
			page.More = true
		}
	}
	slices.SortStableFunc(page.Items, func(a, b inbox.Item) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ExternalID, b.ExternalID))
	})
	slices.SortStableFunc(page.External, func(a, b inbox.ExternalReply) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ExternalID, b.ExternalID))
	})
	page.Cursor = next.encode()
	return page, nil
}

// headStep is the first request of a walk over src.
func (c *Connector) headStep(src string, st *sourceState) step {
	size := strconv.Itoa(pageSize)
	q := url.Values{}
	switch src {
	case SourceMessages:
		q.Set("platform", "messenger")
		q.Set("fields", "id,updated_time,messages.limit("+size+"){"+messageFields+"}")
		q.Set("limit", size)
		return step{Kind: stepConversations, URL: c.cfg.PageID + "/conversations?" + q.Encode()}
	case SourceComments:
		q.Set("fields", "id,from,created_time,updated_time,permalink_url,comments.filter(stream).order(reverse_chronological).limit("+size+"){"+commentFields+"}")
		q.Set("since", strconv.FormatInt(st.Watermark.Add(-feedSinceMargin).Unix(), 10))
		q.Set("limit", size)
		return step{Kind: stepFeed, URL: c.cfg.PageID + "/feed?" + q.Encode()}
	default:
		q.Set("fields", tagFields)
		q.Set("limit", size)
		return step{Kind: stepTagged, URL: c.cfg.PageID + "/tagged?" + q.Encode()}
	}
}

// fetch reads one page of a walk and returns the new items and external
// replies on it, and the pages to read next (in order).
func (c *Connector) fetch(ctx context.Context, st *sourceState, stp step) ([]inbox.Item, []inbox.ExternalReply, []step, error) {
	op := "poll " + stp.Kind
	if (stp.Kind == stepConversations && stp.URL != c.headStep(SourceMessages, st).URL) ||
		(stp.Kind == stepFeed && stp.URL != c.headStep(SourceComments, st).URL) {
		// A listing page after the first: threads may move past it.
		st.Walk.Split = true
	}
	res, err := c.call(ctx, op, fb.GET, stp.URL, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	var b batch
	switch stp.Kind {
	case stepConversations:
		var l list[conversation]
		if err := decode(res, &l); err != nil {
			return nil, nil, nil, c.malformed(op, err)
		}
		for _, conv := range l.Data {
			if st.below(conv.UpdatedTime.Time) {
				return b.items, b.ext, b.follow, nil // older conversations follow: done
			}
			var msgs list[message]
			if conv.Messages != nil {
				msgs = *conv.Messages
			}
			f := st.threadFilter(conv.UpdatedTime.Time, conv.ID, entries(msgs.Data, func(m message) (time.Time, string) { return m.CreatedTime.Time, m.ID }))
			// As for a post below: the conversation is read in full
			// down to the floor in this walk.
			st.Walk.saw(conv.UpdatedTime.Time, conv.ID)
			if err := c.messagesPage(f, &b, conv.ID, msgs); err != nil {
				return nil, nil, nil, c.malformed(op, err)
			}
		}
		err = b.next(c, stp, l.Paging.Next, "")
	case stepMessages:
		var l list[message]
		if err := decode(res, &l); err != nil {
			return nil, nil, nil, c.malformed(op, err)
		}
		err = c.messagesPage(st.resumed(stp.Floor), &b, stp.Thread, l)
	case stepFeed:
		var l list[post]
		if err := decode(res, &l); err != nil {
			return nil, nil, nil, c.malformed(op, err)
		}
		for _, p := range l.Data {
			if st.below(p.UpdatedTime.Time) {
				return b.items, b.ext, b.follow, nil
			}
			var comments list[comment]
			if p.Comments != nil {
				comments = *p.Comments
			}
			f := st.threadFilter(p.UpdatedTime.Time, p.ID, entries(comments.Data, func(cm comment) (time.Time, string) { return cm.CreatedTime.Time, cm.ID }))
			// Every comment on this post up to its updated_time is read in
			// this walk, so the watermark may rise to it: a quiet Page
			// keeps its feed request to the last few posts.
			st.Walk.saw(p.UpdatedTime.Time, p.ID)
			if err := c.commentsPage(f, &b, p.ID, comments); err != nil {
				return nil, nil, nil, c.malformed(op, err)
			}
		}
		err = b.next(c, stp, l.Paging.Next, "")
	case stepComments:
		var l list[comment]
		if err := decode(res, &l); err != nil {
			return nil, nil, nil, c.malformed(op, err)
		}
		err = c.commentsPage(st.resumed(stp.Floor), &b, stp.Thread, l)
	case stepTagged:
		var l list[post]
		if err := decode(res, &l); err != nil {
			return nil, nil, nil, c.malformed(op, err)
		}
		for _, p := range l.Data {
			t := p.CreatedTime.Time
			if st.below(t) {
				return b.items, b.ext, b.follow, nil
			}
			st.Walk.saw(t, p.ID)
			if st.isNew(t, p.ID) && p.From.ID != c.cfg.PageID {
				b.items = append(b.items, c.mentionItem(p, st.Walk.Backfill))
			}
		}
		err = b.next(c, stp, l.Paging.Next, "")
	}
	if err != nil {
		return nil, nil, nil, c.malformed(op, err)
	}
	return b.items, b.ext, b.follow, nil
}

// entries yields the creation time and id of a thread's entries.
func entries[T any](data []T, key func(T) (time.Time, string)) iter.Seq2[time.Time, string] {
	return func(yield func(time.Time, string) bool) {
		for _, e := range data {
			if !yield(key(e)) {
				return
			}
		}
	}
}

// batch collects one page's results.
type batch struct {
	items []inbox.Item
	ext   []inbox.ExternalReply
	// follow lists the pages to read next: a thread's further comments or
	// messages first, the list's own next page last.
	follow []step
}

func (b *batch) next(c *Connector, cur step, next, thread string) error {
	if next == "" {
		return nil
	}
	rel, err := c.relativeURL(next)
	if err != nil {
		return err
	}
	if thread == "" {
		thread = cur.Thread
	}
	b.follow = append(b.follow, step{Kind: cur.Kind, Thread: thread, URL: rel, Floor: cur.Floor})
	return nil
}

// messagesPage handles a conversation's messages, newest first.
func (c *Connector) messagesPage(f threadFilter, b *batch, convID string, l list[message]) error {
	st := f.st
	var fresh []message
	reachedOld := false
	for _, m := range l.Data {
		t := m.CreatedTime.Time
		if f.done(t) {
			reachedOld = true
			break
		}
		st.Walk.saw(t, m.ID)
		if f.keep(t, m.ID) {
			fresh = append(fresh, m)
		}
	}
	// Oldest first, so a Page message can name the citizen message it follows.
	lastCitizen := ""
	for i := len(fresh) - 1; i >= 0; i-- {
		m := fresh[i]
		if m.From.ID == c.cfg.PageID {
			b.ext = append(b.ext, c.externalReply(m.ID, lastCitizen, convID, m.Message, m.CreatedTime.Time))
			continue
		}
		lastCitizen = m.ID
		b.items = append(b.items, c.messageItem(m, convID, st.Walk.Backfill))
	}
	if reachedOld {
		return nil
	}
	return b.next(c, step{Kind: stepMessages, Thread: convID, Floor: f.stepFloor()}, l.Paging.Next, convID)
}

// commentsPage handles a post's comments (stream: replies included), newest first.
func (c *Connector) commentsPage(f threadFilter, b *batch, postID string, l list[comment]) error {
	st := f.st
	for _, cm := range l.Data {
		t := cm.CreatedTime.Time
		if f.done(t) {
			return nil
		}
		st.Walk.saw(t, cm.ID)
		if !f.keep(t, cm.ID) {
			continue
		}
		if cm.From.ID == c.cfg.PageID {
			parent := postID
			if cm.Parent != nil {
				parent = cm.Parent.ID
			}
			b.ext = append(b.ext, c.externalReply(cm.ID, parent, postID, cm.Message, t))
			continue
		}
		b.items = append(b.items, c.commentItem(cm, postID, st.Walk.Backfill))
	}
	return b.next(c, step{Kind: stepComments, Thread: postID, Floor: f.stepFloor()}, l.Paging.Next, postID)
}

func (c *Connector) malformed(op string, err error) error {
	return &connectors.Error{Class: connectors.Transient, Op: op,
		Message: "Facebook's answer did not have the documented shape: " + c.scrubString(err.Error()), Err: c.scrub(err)}
}
