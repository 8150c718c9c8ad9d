package instagram

import (
	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Shapes of the Graph objects read, with Graph's field names.

type media struct {
	ID        string                   `json:"id"`
	Timestamp metagraph.Time           `json:"timestamp"`
	Permalink string                   `json:"permalink"`
	Comments  *metagraph.List[comment] `json:"comments"`
}

// comment is an IG Comment: from carries the commenter's Instagram-scoped
// id and username; parent_id is set on a reply.
type comment struct {
	ID        string                   `json:"id"`
	Text      string                   `json:"text"`
	Timestamp metagraph.Time           `json:"timestamp"`
	From      metagraph.Profile        `json:"from"`
	Username  string                   `json:"username"`
	ParentID  string                   `json:"parent_id"`
	Replies   *metagraph.List[comment] `json:"replies"`
}

type conversation struct {
	ID          string                   `json:"id"`
	UpdatedTime metagraph.Time           `json:"updated_time"`
	Messages    *metagraph.List[message] `json:"messages"`
}

type message struct {
	ID          string                            `json:"id"`
	Message     string                            `json:"message"`
	From        metagraph.Profile                 `json:"from"`
	To          metagraph.List[metagraph.Profile] `json:"to"`
	CreatedTime metagraph.Time                    `json:"created_time"`
}

// author is who wrote a comment: from, or the older username field.
func (cm comment) author() inbox.Author {
	name := cm.From.Username
	if name == "" {
		name = cm.Username
	}
	return inbox.Author{ID: cm.From.ID, Name: name}
}

// ours reports whether the account itself wrote the comment.
func (c *Connector) ours(cm comment) bool { return cm.From.ID == c.cfg.IGUserID }

func (c *Connector) commentItem(cm comment, m media, backfill bool) inbox.Item {
	return inbox.Item{
		Channel:    Channel,
		Account:    c.cfg.Name,
		Kind:       inbox.KindComment,
		ExternalID: cm.ID,
		ThreadID:   m.ID,
		ParentID:   cm.ParentID,
		Author:     cm.author(),
		Text:       cm.Text,
		Permalink:  m.Permalink,
		CreatedAt:  cm.Timestamp.Time,
		Backfill:   backfill,
	}
}

func (c *Connector) messageItem(m message, convID string, backfill bool) inbox.Item {
	it := inbox.Item{
		Channel:    Channel,
		Account:    c.cfg.Name,
		Kind:       inbox.KindMessage,
		ExternalID: m.ID,
		ThreadID:   convID,
		Author:     inbox.Author{ID: m.From.ID, Name: m.From.Username},
		Text:       m.Message,
		CreatedAt:  m.CreatedTime.Time,
		Backfill:   backfill,
	}
	it.ReplyWindowEndsAt = metagraph.ReplyWindowEnds(it.CreatedAt, c.cfg.HumanAgent)
	return it
}

func (c *Connector) externalReply(id, parentID, threadID, text string, cm metagraph.Time) inbox.ExternalReply {
	return inbox.ExternalReply{
		Channel:          Channel,
		Account:          c.cfg.Name,
		ExternalID:       id,
		ParentExternalID: parentID,
		ThreadID:         threadID,
		Text:             text,
		CreatedAt:        cm.Time,
	}
}
