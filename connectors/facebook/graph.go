package facebook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// graphTimeLayout is how Graph writes times: 2021-02-13T10:04:31+0000.
const graphTimeLayout = "2006-01-02T15:04:05-0700"

// graphTime is a Graph timestamp.
type graphTime struct{ time.Time }

func (t *graphTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	v, err := time.Parse(graphTimeLayout, s)
	if err != nil {
		if v, err = time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("graph time %q: %w", s, err)
		}
	}
	t.Time = v.UTC()
	return nil
}

// Shapes of the Graph objects inboxd reads, with Graph's field names.

type profile struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

type paging struct {
	Cursors struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"cursors"`
	Next     string `json:"next"`
	Previous string `json:"previous"`
}

// list is a Graph list. It decodes record by record: a record in an
// unexpected shape lands in Bad with its raw JSON instead of failing the
// list, so one bad comment never hides the others.
type list[T any] struct {
	Data   []T
	Raw    []json.RawMessage // Raw[i] is Data[i] as Graph sent it
	Bad    []badRecord
	Paging paging
}

// badRecord is a list entry that did not decode.
type badRecord struct {
	Raw json.RawMessage
	Err error
}

func (l *list[T]) UnmarshalJSON(b []byte) error {
	var parts struct {
		Data   json.RawMessage `json:"data"`
		Paging json.RawMessage `json:"paging"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	*l = list[T]{}
	if len(parts.Paging) > 0 {
		// Unreadable paging ends the walk here; the records still count.
		_ = json.Unmarshal(parts.Paging, &l.Paging)
	}
	if len(parts.Data) == 0 || string(parts.Data) == "null" {
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(parts.Data, &raws); err != nil {
		l.Bad = append(l.Bad, badRecord{Raw: parts.Data, Err: fmt.Errorf("data is not a list: %w", err)})
		return nil
	}
	for _, r := range raws {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			l.Bad = append(l.Bad, badRecord{Raw: r, Err: err})
			continue
		}
		l.Data = append(l.Data, v)
		l.Raw = append(l.Raw, r)
	}
	return nil
}

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
		Channel:    inbox.ChannelFacebook,
		Account:    c.cfg.Name,
		Kind:       inbox.KindMessage,
		ExternalID: m.ID,
		ThreadID:   convID,
		Author:     inbox.Author{ID: m.From.ID, Name: m.From.Name},
		Text:       m.Message,
		CreatedAt:  m.CreatedTime.Time,
		Backfill:   backfill,
	}
	if !it.CreatedAt.IsZero() {
		ends := it.CreatedAt.Add(c.messengerWindow())
		it.ReplyWindowEndsAt = &ends
	}
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
		Channel:    inbox.ChannelFacebook,
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
		Channel:    inbox.ChannelFacebook,
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
		Channel:          inbox.ChannelFacebook,
		Account:          c.cfg.Name,
		ExternalID:       id,
		ParentExternalID: parentID,
		ThreadID:         threadID,
		Text:             text,
		CreatedAt:        at,
	}
}
