package facebook

import (
	"cmp"
	"context"
	"github.com/inboxd/inboxd/connectors/metagraph"
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
	pc, err := metagraph.DecodeCursor(cursor)
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
			b, err := c.fetch(ctx, st, stp)
			if err != nil {
				st.Walk.Target, st.Walk.TargetIDs = target, targetIDs
				if len(page.Items)+len(page.External)+len(page.Rejected) == 0 {
					return connectors.Page{}, err
				}
				// Keep what was read (its cursor is safe to commit); the
				// error comes back on the next poll, which More asks for soon.
				page.More = true
				break sources
			}
			st.Walk.Pending = append(b.Follow, st.Walk.Pending[1:]...)
			page.Items = append(page.Items, b.Items...)
			page.External = append(page.External, b.Ext...)
			page.Rejected = append(page.Rejected, b.Rejected...)
		}
		if len(st.Walk.Pending) == 0 {
			st.Finish()
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
	page.Cursor = next.Encode()
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

// fetch reads one page of a walk and returns the new items, external
// replies and rejected records on it, and the pages to read next (in order).
func (c *Connector) fetch(ctx context.Context, st *sourceState, stp step) (batch, error) {
	op := "poll " + stp.Kind
	if (stp.Kind == stepConversations && stp.URL != c.headStep(SourceMessages, st).URL) ||
		(stp.Kind == stepFeed && stp.URL != c.headStep(SourceComments, st).URL) {
		// A listing page after the first: threads may move past it.
		st.Walk.Split = true
	}
	res, err := c.call(ctx, op, fb.GET, stp.URL, nil)
	if err != nil {
		return batch{}, err
	}
	b := batch{Source: sourceOf(stp.Kind)}
	switch stp.Kind {
	case stepConversations:
		var l list[conversation]
		if err := decode(res, &l); err != nil {
			return batch{}, c.malformed(op, err)
		}
		b.Reject(l.Bad, "conversation")
		for i, conv := range l.Data {
			var msgs list[message]
			if conv.Messages != nil {
				msgs = *conv.Messages
			}
			newest := metagraph.Entries(msgs.Data, func(m message) (time.Time, string) { return m.CreatedTime.Time, m.ID })
			updated := metagraph.UpdatedTime(conv.UpdatedTime.Time, time.Time{}, newest)
			if why := metagraph.Missing("conversation", conv.ID, updated, "updated_time and no message with a readable created_time"); why != "" {
				b.RejectRecord(conv.ID, why, l.Raw[i])
				continue
			}
			if st.Below(updated) {
				return b, nil // older conversations follow: done
			}
			f := st.ThreadFilter(updated, conv.ID, newest)
			// As for a post below: the conversation is read in full
			// down to the floor in this walk.
			st.Walk.Saw(updated, conv.ID)
			if err := c.messagesPage(f, &b, conv.ID, msgs); err != nil {
				return batch{}, c.malformed(op, err)
			}
		}
		err = b.Next(c.base, stp, l.Paging.Next, "")
	case stepMessages:
		var l list[message]
		if err := decode(res, &l); err != nil {
			return batch{}, c.malformed(op, err)
		}
		err = c.messagesPage(st.Resumed(stp.Floor), &b, stp.Thread, l)
	case stepFeed:
		var l list[post]
		if err := decode(res, &l); err != nil {
			return batch{}, c.malformed(op, err)
		}
		b.Reject(l.Bad, "post")
		for i, p := range l.Data {
			var comments list[comment]
			if p.Comments != nil {
				comments = *p.Comments
			}
			newest := metagraph.Entries(comments.Data, func(cm comment) (time.Time, string) { return cm.CreatedTime.Time, cm.ID })
			updated := metagraph.UpdatedTime(p.UpdatedTime.Time, p.CreatedTime.Time, newest)
			if why := metagraph.Missing("post", p.ID, updated, "updated_time, created_time or comment with a readable created_time"); why != "" {
				b.RejectRecord(p.ID, why, l.Raw[i])
				continue
			}
			if st.Below(updated) {
				return b, nil
			}
			f := st.ThreadFilter(updated, p.ID, newest)
			// Every comment on this post up to its updated_time is read in
			// this walk, so the watermark may rise to it: a quiet Page
			// keeps its feed request to the last few posts.
			st.Walk.Saw(updated, p.ID)
			if err := c.commentsPage(f, &b, p.ID, comments); err != nil {
				return batch{}, c.malformed(op, err)
			}
		}
		err = b.Next(c.base, stp, l.Paging.Next, "")
	case stepComments:
		var l list[comment]
		if err := decode(res, &l); err != nil {
			return batch{}, c.malformed(op, err)
		}
		err = c.commentsPage(st.Resumed(stp.Floor), &b, stp.Thread, l)
	case stepTagged:
		var l list[post]
		if err := decode(res, &l); err != nil {
			return batch{}, c.malformed(op, err)
		}
		b.Reject(l.Bad, "post")
		for i, p := range l.Data {
			t := p.CreatedTime.Time
			if why := metagraph.Missing("post", p.ID, t, "created_time"); why != "" {
				b.RejectRecord(p.ID, why, l.Raw[i])
				continue
			}
			if st.Below(t) {
				return b, nil
			}
			st.Walk.Saw(t, p.ID)
			if st.IsNew(t, p.ID) && p.From.ID != c.cfg.PageID {
				b.AddItem(c.mentionItem(p, st.Walk.Backfill), l.Raw[i])
			}
		}
		err = b.Next(c.base, stp, l.Paging.Next, "")
	}
	if err != nil {
		return batch{}, c.malformed(op, err)
	}
	return b, nil
}

// batch is one page's results (metagraph's).
type batch = metagraph.Batch

// sourceOf is the account source a walk step reads.
func sourceOf(kind string) string {
	switch kind {
	case stepConversations, stepMessages:
		return SourceMessages
	case stepFeed, stepComments:
		return SourceComments
	}
	return SourceTagged
}

// messagesPage handles a conversation's messages, newest first.
func (c *Connector) messagesPage(f threadFilter, b *batch, convID string, l list[message]) error {
	st := f.Source()
	b.Reject(l.Bad, "message")
	var fresh []int
	reachedOld := false
	for i, m := range l.Data {
		t := m.CreatedTime.Time
		if why := metagraph.Missing("message", m.ID, t, "created_time"); why != "" {
			b.RejectRecord(m.ID, why, l.Raw[i])
			continue
		}
		if f.Done(t) {
			reachedOld = true
			break
		}
		st.Walk.Saw(t, m.ID)
		if f.Keep(t, m.ID) {
			fresh = append(fresh, i)
		}
	}
	// Oldest first, so a Page message can name the citizen message it follows.
	lastCitizen := ""
	for j := len(fresh) - 1; j >= 0; j-- {
		m := l.Data[fresh[j]]
		if m.From.ID == c.cfg.PageID {
			b.Ext = append(b.Ext, c.externalReply(m.ID, lastCitizen, convID, m.Message, m.CreatedTime.Time))
			continue
		}
		lastCitizen = m.ID
		b.AddItem(c.messageItem(m, convID, st.Walk.Backfill), l.Raw[fresh[j]])
	}
	if reachedOld {
		return nil
	}
	return b.Next(c.base, step{Kind: stepMessages, Thread: convID, Floor: f.StepFloor()}, l.Paging.Next, convID)
}

// commentsPage handles a post's comments (stream: replies included), newest first.
func (c *Connector) commentsPage(f threadFilter, b *batch, postID string, l list[comment]) error {
	st := f.Source()
	b.Reject(l.Bad, "comment")
	for i, cm := range l.Data {
		t := cm.CreatedTime.Time
		if why := metagraph.Missing("comment", cm.ID, t, "created_time"); why != "" {
			b.RejectRecord(cm.ID, why, l.Raw[i])
			continue
		}
		if f.Done(t) {
			return nil
		}
		st.Walk.Saw(t, cm.ID)
		if !f.Keep(t, cm.ID) {
			continue
		}
		if cm.From.ID == c.cfg.PageID {
			parent := postID
			if cm.Parent != nil {
				parent = cm.Parent.ID
			}
			b.Ext = append(b.Ext, c.externalReply(cm.ID, parent, postID, cm.Message, t))
			continue
		}
		b.AddItem(c.commentItem(cm, postID, st.Walk.Backfill), l.Raw[i])
	}
	return b.Next(c.base, step{Kind: stepComments, Thread: postID, Floor: f.StepFloor()}, l.Paging.Next, postID)
}

func (c *Connector) malformed(op string, err error) error {
	return &connectors.Error{Class: connectors.Transient, Op: op,
		Message: "Facebook's answer did not have the documented shape: " + c.scrubString(err.Error()), Err: c.scrub(err)}
}
