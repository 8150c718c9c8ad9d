package facebook

import (
	"context"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"net/url"
	"strconv"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxd/inboxd/connectors"
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
// per source (metagraph's walk).
func (c *Connector) Poll(ctx context.Context, cursor []byte) (connectors.Page, error) {
	return metagraph.Walker{Sources: c.cfg.Sources, Lookback: c.cfg.Lookback, MaxPages: c.cfg.MaxPagesPerPoll, Now: c.now, Log: c.log,
		Head: c.headStep, Fetch: c.fetch}.Poll(ctx, cursor)
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
	backfill := f.Source().Walk.Backfill
	key := func(m message) metagraph.MessageKey {
		return metagraph.MessageKey{ID: m.ID, At: m.CreatedTime.Time, FromID: m.From.ID}
	}
	if metagraph.MessagesPage(f, b, l, key, c.cfg.PageID,
		func(m message, last string) {
			b.Ext = append(b.Ext, c.externalReply(m.ID, last, convID, m.Message, m.CreatedTime.Time))
		},
		func(m message, raw []byte) { b.AddItem(c.messageItem(m, convID, backfill), raw) }) {
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
