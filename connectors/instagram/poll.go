package instagram

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/metagraph"
)

const (
	pageSize      = 25
	commentFields = "id,text,timestamp,from,username,parent_id"
	messageFields = "id,message,from,to,created_time"
)

// Walk step kinds.
const (
	stepMedia         = "media"         // the account's media, newest first, with their newest comments
	stepComments      = "comments"      // a media's further comments
	stepReplies       = "replies"       // a comment's further replies
	stepConversations = "conversations" // DM conversations by last update
	stepMessages      = "messages"      // a conversation's further messages
)

// Poll reads what arrived since cursor, at most max_pages_per_poll pages
// per source, with metagraph's newest-first cursor rule.
func (c *Connector) Poll(ctx context.Context, cursor []byte) (connectors.Page, error) {
	return metagraph.Walker{Sources: c.cfg.Sources, Lookback: c.cfg.Lookback, MaxPages: c.cfg.MaxPagesPerPoll, Now: c.now, Log: c.log,
		Head: c.headStep, Fetch: c.fetch}.Poll(ctx, cursor)
}

// headStep is the first request of a walk over src.
func (c *Connector) headStep(src string, _ *metagraph.Source) metagraph.Step {
	size := strconv.Itoa(pageSize)
	q := url.Values{"limit": {size}}
	if src == SourceMessages {
		q.Set("platform", "instagram")
		q.Set("fields", "id,updated_time,messages.limit("+size+"){"+messageFields+"}")
		return metagraph.Step{Kind: stepConversations, URL: c.cfg.PageID + "/conversations?" + q.Encode()}
	}
	q.Set("fields", "id,timestamp,permalink,comments.limit("+size+"){"+commentFields+",replies.limit("+size+"){"+commentFields+"}}")
	return metagraph.Step{Kind: stepMedia, URL: c.cfg.IGUserID + "/media?" + q.Encode()}
}

func sourceOf(kind string) string {
	if kind == stepConversations || kind == stepMessages {
		return SourceMessages
	}
	return SourceComments
}

// fetch reads one page of a walk.
func (c *Connector) fetch(ctx context.Context, st *metagraph.Source, stp metagraph.Step) (metagraph.Batch, error) {
	op := "poll " + stp.Kind
	if stp.Kind == stepConversations && stp.URL != c.headStep(SourceMessages, st).URL {
		st.Walk.Split = true // conversations move by last update
	}
	var raw json.RawMessage
	if err := c.client.Get(ctx, op, stp.URL, nil, &raw); err != nil {
		return metagraph.Batch{}, err
	}
	b := metagraph.Batch{Source: sourceOf(stp.Kind)}
	var err error
	switch stp.Kind {
	case stepMedia:
		var l metagraph.List[media]
		if err := json.Unmarshal(raw, &l); err != nil {
			return metagraph.Batch{}, c.client.Malformed(op, err)
		}
		b.Reject(l.Bad, "media")
		oldest := c.now().Add(-c.cfg.MediaMaxAge)
		for i, m := range l.Data {
			if why := metagraph.Missing("media", m.ID, m.Timestamp.Time, "timestamp"); why != "" {
				b.RejectRecord(m.ID, why, l.Raw[i])
				continue
			}
			if m.Timestamp.Before(oldest) {
				return b, nil // older media follow: their comments wait for webhooks
			}
			var comments metagraph.List[comment]
			if m.Comments != nil {
				comments = *m.Comments
			}
			c.commentsPage(st, &b, m, comments)
		}
		err = b.Next(c.client.Base(), stp, l.Paging.Next, "")
	case stepComments, stepReplies:
		var l metagraph.List[comment]
		if err := json.Unmarshal(raw, &l); err != nil {
			return metagraph.Batch{}, c.client.Malformed(op, err)
		}
		m := media{ID: stp.Thread}
		if stp.Kind == stepReplies {
			c.repliesPage(st, &b, m, l)
		} else {
			c.commentsPage(st, &b, m, l)
		}
	case stepConversations:
		var l metagraph.List[conversation]
		if err := json.Unmarshal(raw, &l); err != nil {
			return metagraph.Batch{}, c.client.Malformed(op, err)
		}
		b.Reject(l.Bad, "conversation")
		for i, conv := range l.Data {
			var msgs metagraph.List[message]
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
				return b, nil
			}
			f := st.ThreadFilter(updated, conv.ID, newest)
			st.Walk.Saw(updated, conv.ID)
			c.messagesPage(f, &b, conv.ID, msgs)
		}
		err = b.Next(c.client.Base(), stp, l.Paging.Next, "")
	case stepMessages:
		var l metagraph.List[message]
		if err := json.Unmarshal(raw, &l); err != nil {
			return metagraph.Batch{}, c.client.Malformed(op, err)
		}
		c.messagesPage(st.Resumed(stp.Floor), &b, stp.Thread, l)
	}
	if err != nil {
		return metagraph.Batch{}, c.client.Malformed(op, err)
	}
	return b, nil
}

// commentsPage handles a page of a media's top-level comments, newest
// first, and the replies nested under each. A top-level comment below the
// watermark ends the media's comments, after its replies were read: a new
// reply under an older comment is seen while that comment is among the
// newest page of the media's comments.
func (c *Connector) commentsPage(st *metagraph.Source, b *metagraph.Batch, m media, l metagraph.List[comment]) {
	b.Reject(l.Bad, "comment")
	for i, cm := range l.Data {
		t := cm.Timestamp.Time
		if why := metagraph.Missing("comment", cm.ID, t, "timestamp"); why != "" {
			b.RejectRecord(cm.ID, why, l.Raw[i])
			continue
		}
		if cm.Replies != nil {
			c.repliesPage(st, b, m, *cm.Replies, cm.ID)
		}
		if st.Below(t) {
			return
		}
		c.entry(st, b, m, cm, l.Raw[i])
	}
	_ = b.Next(c.client.Base(), metagraph.Step{Kind: stepComments, Thread: m.ID}, l.Paging.Next, m.ID)
}

// repliesPage handles replies to one comment (all of them are read: their
// order is not documented); further pages follow.
func (c *Connector) repliesPage(st *metagraph.Source, b *metagraph.Batch, m media, l metagraph.List[comment], parent ...string) {
	b.Reject(l.Bad, "reply")
	for i, cm := range l.Data {
		if why := metagraph.Missing("reply", cm.ID, cm.Timestamp.Time, "timestamp"); why != "" {
			b.RejectRecord(cm.ID, why, l.Raw[i])
			continue
		}
		if cm.ParentID == "" && len(parent) > 0 {
			cm.ParentID = parent[0]
		}
		c.entry(st, b, m, cm, l.Raw[i])
	}
	_ = b.Next(c.client.Base(), metagraph.Step{Kind: stepReplies, Thread: m.ID}, l.Paging.Next, m.ID)
}

// entry returns one comment or reply when it is new: the account's own as
// an external reply, a citizen's as an item.
func (c *Connector) entry(st *metagraph.Source, b *metagraph.Batch, m media, cm comment, raw []byte) {
	t := cm.Timestamp.Time
	if st.Below(t) {
		return
	}
	st.Walk.Saw(t, cm.ID)
	if !st.IsNew(t, cm.ID) {
		return
	}
	if c.ours(cm) {
		parent := cmp.Or(cm.ParentID, m.ID)
		b.Ext = append(b.Ext, c.externalReply(cm.ID, parent, m.ID, cm.Text, cm.Timestamp))
		return
	}
	b.AddItem(c.commentItem(cm, m, st.Walk.Backfill), raw)
}

// messagesPage handles a conversation's messages, newest first.
func (c *Connector) messagesPage(f metagraph.ThreadFilter, b *metagraph.Batch, convID string, l metagraph.List[message]) {
	backfill := f.Source().Walk.Backfill
	key := func(m message) metagraph.MessageKey {
		return metagraph.MessageKey{ID: m.ID, At: m.CreatedTime.Time, FromID: m.From.ID}
	}
	if metagraph.MessagesPage(f, b, l, key, c.cfg.IGUserID,
		func(m message, last string) {
			b.Ext = append(b.Ext, c.externalReply(m.ID, last, convID, m.Message, m.CreatedTime))
		},
		func(m message, raw []byte) { b.AddItem(c.messageItem(m, convID, backfill), raw) }) {
		return
	}
	_ = b.Next(c.client.Base(), metagraph.Step{Kind: stepMessages, Thread: convID, Floor: f.StepFloor()}, l.Paging.Next, convID)
}
