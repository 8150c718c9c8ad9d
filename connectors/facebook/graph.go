package facebook

import (
	"github.com/inboxd/inboxd/connectors/metagraph"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// The Graph shapes every Meta connector shares live in connectors/metagraph.
type (
	graphTime   = metagraph.Time
	profile     = metagraph.Profile
	list[T any] = metagraph.List[T]
)

// graphTimeLayout is how Graph writes times.
const graphTimeLayout = metagraph.TimeLayout

type conversation struct {
	ID          string         `json:"id"`
	UpdatedTime graphTime      `json:"updated_time"`
	Messages    *list[message] `json:"messages"`
}

type message struct {
	ID          string                   `json:"id"`
	Message     string                   `json:"message"`
	From        profile                  `json:"from"`
	To          list[profile]            `json:"to"`
	CreatedTime graphTime                `json:"created_time"`
	Attachments *list[messageAttachment] `json:"attachments"`
}

type messageAttachment struct {
	ID        string `json:"id"`
	MimeType  string `json:"mime_type"`
	Name      string `json:"name"`
	FileURL   string `json:"file_url"`
	ImageData *struct {
		URL string `json:"url"`
	} `json:"image_data"`
	VideoData *struct {
		URL string `json:"url"`
	} `json:"video_data"`
}

type post struct {
	ID           string         `json:"id"`
	From         profile        `json:"from"`
	Message      string         `json:"message"`
	CreatedTime  graphTime      `json:"created_time"`
	UpdatedTime  graphTime      `json:"updated_time"`
	PermalinkURL string         `json:"permalink_url"`
	Comments     *list[comment] `json:"comments"`
}

type comment struct {
	ID           string    `json:"id"`
	From         profile   `json:"from"`
	Message      string    `json:"message"`
	CreatedTime  graphTime `json:"created_time"`
	PermalinkURL string    `json:"permalink_url"`
	Parent       *struct {
		ID string `json:"id"`
	} `json:"parent"`
	Attachment *commentAttachment `json:"attachment"`
}

type commentAttachment struct {
	Type  string `json:"type"`
	URL   string `json:"url"`
	Media *struct {
		Image *struct {
			Src string `json:"src"`
		} `json:"image"`
	} `json:"media"`
}

// ---- normalisation ----

func (c *Connector) messageItem(m message, convID string, backfill bool) inbox.Item {
	it := inbox.Item{
		Channel:    Channel,
		Account:    c.cfg.Name,
		Kind:       inbox.KindMessage,
		ExternalID: m.ID,
		ThreadID:   convID,
		Author:     inbox.Author{ID: m.From.ID, Name: m.From.Name},
		Text:       m.Message,
		CreatedAt:  m.CreatedTime.Time,
		Backfill:   backfill,
	}
	it.ReplyWindowEndsAt = metagraph.ReplyWindowEnds(it.CreatedAt, c.cfg.HumanAgent)
	if m.Attachments != nil {
		for _, a := range m.Attachments.Data {
			it.Attachments = append(it.Attachments, messageAttachmentOf(a))
		}
	}
	return it
}

func messageAttachmentOf(a messageAttachment) inbox.Attachment {
	typ, _, _ := strings.Cut(a.MimeType, "/")
	switch typ {
	case "image", "video", "audio":
	default:
		typ = "file"
	}
	u := a.FileURL
	switch {
	case a.ImageData != nil && a.ImageData.URL != "":
		u = a.ImageData.URL
	case a.VideoData != nil && a.VideoData.URL != "":
		u = a.VideoData.URL
	}
	return inbox.Attachment{Type: typ, URL: u}
}

func (c *Connector) commentItem(cm comment, postID string, backfill bool) inbox.Item {
	it := inbox.Item{
		Channel:    Channel,
		Account:    c.cfg.Name,
		Kind:       inbox.KindComment,
		ExternalID: cm.ID,
		ThreadID:   postID,
		Author:     inbox.Author{ID: cm.From.ID, Name: cm.From.Name},
		Text:       cm.Message,
		Permalink:  cm.PermalinkURL,
		CreatedAt:  cm.CreatedTime.Time,
		Backfill:   backfill,
	}
	if cm.Parent != nil {
		it.ParentID = cm.Parent.ID
	}
	if a := cm.Attachment; a != nil {
		att := inbox.Attachment{Type: commentAttachmentType(a.Type), URL: a.URL}
		if a.Media != nil && a.Media.Image != nil && a.Media.Image.Src != "" {
			att.URL = a.Media.Image.Src
		}
		it.Attachments = append(it.Attachments, att)
	}
	return it
}

// commentAttachmentType maps Graph's attachment types onto inboxd's.
func commentAttachmentType(t string) string {
	switch {
	case t == "photo" || t == "animated_image_share" || t == "animated_image_autoplay":
		return "image"
	case t == "sticker":
		return "sticker"
	case strings.HasPrefix(t, "video"):
		return "video"
	case t == "share":
		return "link"
	}
	return t
}

func (c *Connector) mentionItem(p post, backfill bool) inbox.Item {
	return inbox.Item{
		Channel:    Channel,
		Account:    c.cfg.Name,
		Kind:       inbox.KindMention,
		ExternalID: p.ID,
		ThreadID:   p.ID,
		Author:     inbox.Author{ID: p.From.ID, Name: p.From.Name},
		Text:       p.Message,
		Permalink:  p.PermalinkURL,
		CreatedAt:  p.CreatedTime.Time,
		Backfill:   backfill,
	}
}

func (c *Connector) externalReply(id, parentID, threadID, text string, at time.Time) inbox.ExternalReply {
	return inbox.ExternalReply{
		Channel:          Channel,
		Account:          c.cfg.Name,
		ExternalID:       id,
		ParentExternalID: parentID,
		ThreadID:         threadID,
		Text:             text,
		CreatedAt:        at,
	}
}
