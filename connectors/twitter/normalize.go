package twitter

import (
	"html"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// post is a post as either API version returns it, already resolved
// against its includes.
type post struct {
	ID             string
	Text           string
	CreatedAt      time.Time
	ConversationID string
	InReplyToID    string // referenced_tweets type replied_to
	Author         inbox.Author
	Attachments    []inbox.Attachment
	Raw            []byte // as X sent it, for the quarantine
}

// dmEvent is one MessageCreate event, resolved against its includes.
type dmEvent struct {
	ID             string
	ConversationID string
	SenderID       string
	Text           string
	CreatedAt      time.Time
	Author         inbox.Author
	Attachments    []inbox.Attachment
	Raw            []byte // as X sent it, for the quarantine
}

// unescape undoes the HTML escaping X applies to &, < and > in text.
func unescape(s string) string { return html.UnescapeString(s) }

func permalink(handle, id string) string {
	if handle == "" {
		return "https://x.com/i/web/status/" + id
	}
	return "https://x.com/" + handle + "/status/" + id
}

// attachmentType maps X's media types to inbox attachment types.
func attachmentType(t string) string {
	switch t {
	case "photo":
		return "image"
	case "video", "animated_gif":
		return "video"
	}
	if t == "" {
		return "file"
	}
	return t
}

func (c *Connector) mentionItem(p post, backfill bool) inbox.Item {
	thread := p.ConversationID
	if thread == "" {
		thread = p.ID
	}
	return inbox.Item{
		Channel:     Channel,
		Account:     c.cfg.Name,
		Kind:        inbox.KindMention,
		ExternalID:  p.ID,
		ThreadID:    thread,
		ParentID:    p.InReplyToID,
		Author:      p.Author,
		Text:        p.Text,
		Attachments: p.Attachments,
		Permalink:   permalink(p.Author.Handle, p.ID),
		CreatedAt:   p.CreatedAt,
		Status:      inbox.StatusNew,
		Priority:    inbox.PriorityNormal,
		Backfill:    backfill,
	}
}

func (c *Connector) dmItem(e dmEvent, backfill bool) inbox.Item {
	return inbox.Item{
		Channel:     Channel,
		Account:     c.cfg.Name,
		Kind:        inbox.KindMessage,
		ExternalID:  e.ID,
		ThreadID:    e.ConversationID,
		Author:      e.Author,
		Text:        e.Text,
		Attachments: e.Attachments,
		Permalink:   "https://x.com/messages/" + e.ConversationID,
		CreatedAt:   e.CreatedAt,
		Status:      inbox.StatusNew,
		Priority:    inbox.PriorityNormal,
		Backfill:    backfill,
	}
}

func (c *Connector) ownPost(p post) inbox.ExternalReply {
	thread := p.ConversationID
	if thread == "" {
		thread = p.InReplyToID
	}
	return inbox.ExternalReply{
		Channel:          Channel,
		Account:          c.cfg.Name,
		ExternalID:       p.ID,
		ParentExternalID: p.InReplyToID,
		ThreadID:         thread,
		Text:             p.Text,
		CreatedAt:        p.CreatedAt,
	}
}

func (c *Connector) ownDM(e dmEvent) inbox.ExternalReply {
	return inbox.ExternalReply{
		Channel:    Channel,
		Account:    c.cfg.Name,
		ExternalID: e.ID,
		ThreadID:   e.ConversationID,
		Text:       e.Text,
		CreatedAt:  e.CreatedAt,
	}
}

// conversationID is X's id of a one-to-one DM conversation: the smaller
// user id, a dash, the larger.
func conversationID(a, b string) string {
	if lessID(b, a) {
		a, b = b, a
	}
	return a + "-" + b
}

// lessID compares decimal ids numerically (X ids are 64-bit snowflakes).
func lessID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// sameText compares a reply's text with what X shows for it: X unescapes
// nothing for us, and a reply may carry the replied-to handles in front.
func sameText(sent, seen string) bool {
	norm := func(s string) string {
		s = strings.TrimSpace(unescape(s))
		for strings.HasPrefix(s, "@") {
			_, rest, ok := strings.Cut(s, " ")
			if !ok {
				break
			}
			s = strings.TrimLeft(rest, " ")
		}
		return strings.Join(strings.Fields(s), " ")
	}
	return norm(sent) == norm(seen)
}
