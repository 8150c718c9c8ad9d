package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	//lint:ignore SA1019 the issue pins go-twitter for v1.1 accounts; it is frozen, not broken
	gotwitter "github.com/dghubble/go-twitter/twitter"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// v1 speaks X API v1.1 through github.com/dghubble/go-twitter, for
// accounts whose access level still includes it.
type v1 struct {
	c      *Connector
	target *url.URL          // api_url
	signer http.RoundTripper // OAuth 1.0a transport over the metered base
}

// Page sizes of the v1.1 reads.
const (
	v1MentionsCount = 200
	v1DMMaxCount    = 50
)

// client returns a go-twitter client bound to ctx: its transport rewrites
// the fixed api.twitter.com base to api_url before the OAuth 1.0a transport
// signs, and the http.Client carries the timeout its methods cannot take.
func (v *v1) client(ctx context.Context) *gotwitter.Client {
	hc := &http.Client{
		Transport: &rewriteTransport{target: v.target, next: v.signer, ctx: ctx},
		Timeout:   v.c.cfg.HTTPTimeout,
	}
	return gotwitter.NewClient(hc)
}

// call runs one go-twitter call and classifies its failure.
func (v *v1) call(ctx context.Context, op, key string, post bool, fn func(*gotwitter.Client) (*http.Response, error)) error {
	if err := v.c.waitRateLimit(op, key); err != nil {
		return err
	}
	method := http.MethodGet
	if post {
		method = http.MethodPost
	}
	if err := v.c.takeBudget(ctx, op, method, key); err != nil {
		return err
	}
	tracker := &wroteTracker{}
	resp, err := fn(v.client(tracker.context(ctx)))
	if resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		var apiErr gotwitter.APIError
		errors.As(err, &apiErr)
		cerr := classifyV1(op, resp.StatusCode, resp.Header, toV1Errors(apiErr), v.c.now(), post)
		v.c.noteRateLimited(key, cerr)
		return cerr
	}
	if err == nil {
		return nil
	}
	if resp != nil { // a 2xx whose body did not decode
		return malformed(op, err, post)
	}
	var apiErr gotwitter.APIError
	if errors.As(err, &apiErr) {
		return classifyV1(op, http.StatusBadRequest, http.Header{}, toV1Errors(apiErr), v.c.now(), post)
	}
	return transportError(op, err, post, tracker.wrote.Load())
}

func toV1Errors(e gotwitter.APIError) []v1Error {
	out := make([]v1Error, 0, len(e.Errors))
	for _, d := range e.Errors {
		out = append(out, v1Error{Code: d.Code, Message: d.Message})
	}
	return out
}

func (v *v1) post(t gotwitter.Tweet) (post, error) {
	if !decimalID(t.IDStr) {
		return post{}, fmt.Errorf("post id_str %q is not a decimal X id", t.IDStr)
	}
	at, err := t.CreatedAtTime()
	if err != nil {
		return post{}, fmt.Errorf("post %s: created_at %q: %w", t.IDStr, t.CreatedAt, err)
	}
	text := t.FullText
	if text == "" {
		text = t.Text
	}
	p := post{ID: t.IDStr, Text: unescape(text), CreatedAt: at.UTC(), InReplyToID: t.InReplyToStatusIDStr}
	// v1.1 has no conversation_id: a reply is threaded under the post it
	// answers, a new post starts its own thread.
	p.ConversationID = p.ID
	if p.InReplyToID != "" {
		p.ConversationID = p.InReplyToID
	}
	if t.User != nil {
		p.Author = inbox.Author{ID: t.User.IDStr, Name: t.User.Name, Handle: t.User.ScreenName}
	}
	if t.ExtendedEntities != nil {
		for _, m := range t.ExtendedEntities.Media {
			p.Attachments = append(p.Attachments, inbox.Attachment{Type: attachmentType(m.Type), URL: m.MediaURLHttps})
		}
	}
	return p, nil
}

func (v *v1) timeline(source string, tweets []gotwitter.Tweet) (mentionsPage, error) {
	pg := mentionsPage{}
	var ids []string
	for _, t := range tweets {
		ids = append(ids, t.IDStr)
		p, err := v.post(t)
		if err != nil {
			raw, _ := json.Marshal(t)
			pg.Rejected = append(pg.Rejected, connectors.Rejected{Source: source, ExternalID: t.IDStr, Reason: err.Error(), Raw: raw})
			continue
		}
		pg.Posts = append(pg.Posts, p)
	}
	v.c.meter.countReads(v.c.now(), len(tweets))
	pg.NewestID = newestID(ids...)
	// v1.1 pages with max_id: the next page ends just below the oldest
	// post of this one; a walk ends with an empty page.
	oldest := ""
	for _, id := range ids {
		if decimalID(id) && (oldest == "" || lessID(id, oldest)) {
			oldest = id
		}
	}
	if oldest != "" {
		n, err := strconv.ParseInt(oldest, 10, 64)
		if err != nil {
			return mentionsPage{}, malformed(source, err, false)
		}
		pg.Next = strconv.FormatInt(n-1, 10)
	}
	return pg, nil
}

func parseID(op, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &connectors.Error{Class: connectors.Permanent, Op: op, Message: fmt.Sprintf("id %q is not a v1.1 id", s)}
	}
	return n, nil
}

func (v *v1) mentions(ctx context.Context, sinceID, maxID string) (mentionsPage, error) {
	const op = "poll mentions"
	since, err := parseID(op, sinceID)
	if err != nil {
		return mentionsPage{}, err
	}
	maxN, err := parseID(op, maxID)
	if err != nil {
		return mentionsPage{}, err
	}
	var tweets []gotwitter.Tweet
	err = v.call(ctx, op, "statuses/mentions_timeline", false, func(c *gotwitter.Client) (*http.Response, error) {
		var resp *http.Response
		var err error
		tweets, resp, err = c.Timelines.MentionTimeline(&gotwitter.MentionTimelineParams{
			Count: v1MentionsCount, SinceID: since, MaxID: maxN, TweetMode: "extended",
		})
		return resp, err
	})
	if err != nil {
		return mentionsPage{}, err
	}
	return v.timeline(SourceMentions, tweets)
}

func (v *v1) dmEvent(e gotwitter.DirectMessageEvent) (dmEvent, bool, error) {
	if e.Type != "message_create" || e.Message == nil {
		return dmEvent{}, false, nil
	}
	if !decimalID(e.ID) {
		return dmEvent{}, false, fmt.Errorf("DM event id %q is not a decimal X id", e.ID)
	}
	ms, err := strconv.ParseInt(e.CreatedAt, 10, 64)
	if err != nil {
		return dmEvent{}, false, fmt.Errorf("DM event %s: created_timestamp %q: %w", e.ID, e.CreatedAt, err)
	}
	out := dmEvent{ID: e.ID, SenderID: e.Message.SenderID, CreatedAt: time.UnixMilli(ms).UTC(),
		Author: inbox.Author{ID: e.Message.SenderID}}
	other := e.Message.SenderID
	if other == v.c.cfg.UserID && e.Message.Target != nil {
		other = e.Message.Target.RecipientID
	}
	// v1.1 events carry no conversation id; X's one-to-one id is derived
	// from the two user ids, so both versions thread alike.
	out.ConversationID = conversationID(v.c.cfg.UserID, other)
	if d := e.Message.Data; d != nil {
		out.Text = unescape(d.Text)
		if d.Attachment != nil {
			out.Attachments = []inbox.Attachment{{Type: attachmentType(d.Attachment.Media.Type), URL: d.Attachment.Media.MediaURLHttps}}
		}
	}
	return out, true, nil
}

func (v *v1) dms(ctx context.Context, token string, size int) (dmPage, error) {
	const op = "poll direct messages"
	var res *gotwitter.DirectMessageEvents
	err := v.call(ctx, op, "direct_messages/events/list", false, func(c *gotwitter.Client) (*http.Response, error) {
		var resp *http.Response
		var err error
		res, resp, err = c.DirectMessages.EventsList(&gotwitter.DirectMessageEventsListParams{Cursor: token, Count: min(size, v1DMMaxCount)})
		return resp, err
	})
	if err != nil {
		return dmPage{}, err
	}
	pg := dmPage{Next: res.NextCursor}
	for _, e := range res.Events {
		ev, ok, err := v.dmEvent(e)
		if err != nil {
			raw, _ := json.Marshal(e)
			pg.Rejected = append(pg.Rejected, connectors.Rejected{Source: SourceDirectMessages, ExternalID: e.ID, Reason: err.Error(), Raw: raw})
			continue
		}
		if ok {
			pg.Events = append(pg.Events, ev)
		}
	}
	v.c.meter.countReads(v.c.now(), len(res.Events))
	return pg, nil
}

func (v *v1) ownPosts(ctx context.Context, since time.Time, maxID string) (mentionsPage, error) {
	const op = "verify reply post"
	maxN, err := parseID(op, maxID)
	if err != nil {
		return mentionsPage{}, err
	}
	uid, err := parseID(op, v.c.cfg.UserID)
	if err != nil {
		return mentionsPage{}, err
	}
	var tweets []gotwitter.Tweet
	err = v.call(ctx, op, "statuses/user_timeline", false, func(c *gotwitter.Client) (*http.Response, error) {
		var resp *http.Response
		var err error
		tweets, resp, err = c.Timelines.UserTimeline(&gotwitter.UserTimelineParams{UserID: uid, Count: v1MentionsCount, MaxID: maxN, TweetMode: "extended"})
		return resp, err
	})
	if err != nil {
		return mentionsPage{}, err
	}
	pg, err := v.timeline(op, tweets)
	if err != nil {
		return mentionsPage{}, err
	}
	// v1.1 has no start_time: stop the walk once posts are older than since.
	if n := len(pg.Posts); n > 0 && pg.Posts[n-1].CreatedAt.Before(since.Truncate(time.Second)) {
		pg.Next = ""
	}
	return pg, nil
}

func (v *v1) postReply(ctx context.Context, text, inReplyTo string) (string, error) {
	const op = "send reply post"
	target, err := parseID(op, inReplyTo)
	if err != nil {
		return "", err
	}
	var tw *gotwitter.Tweet
	err = v.call(ctx, op, "statuses/update", true, func(c *gotwitter.Client) (*http.Response, error) {
		var resp *http.Response
		var err error
		tw, resp, err = c.Statuses.Update(text, &gotwitter.StatusUpdateParams{
			InReplyToStatusID: target, AutoPopulateReplyMetadata: gotwitter.Bool(true),
		})
		return resp, err
	})
	if err != nil {
		return "", err
	}
	if tw == nil || tw.IDStr == "" {
		return "", malformed(op, fmt.Errorf("no id_str in the answer"), true)
	}
	return tw.IDStr, nil
}

func (v *v1) sendDM(ctx context.Context, participant, text string) (string, error) {
	const op = "send direct message"
	var ev *gotwitter.DirectMessageEvent
	err := v.call(ctx, op, "direct_messages/events/new", true, func(c *gotwitter.Client) (*http.Response, error) {
		var resp *http.Response
		var err error
		ev, resp, err = c.DirectMessages.EventsNew(&gotwitter.DirectMessageEventsNewParams{
			Event: &gotwitter.DirectMessageEvent{
				Type: "message_create",
				Message: &gotwitter.DirectMessageEventMessage{
					Target: &gotwitter.DirectMessageTarget{RecipientID: participant},
					Data:   &gotwitter.DirectMessageData{Text: text},
				},
			},
		})
		return resp, err
	})
	if err != nil {
		return "", err
	}
	if ev == nil || ev.ID == "" {
		return "", malformed(op, fmt.Errorf("no event.id in the answer"), true)
	}
	return ev.ID, nil
}

// probe makes the cheapest v1.1 read (one mention) to learn whether the
// app's access level still includes v1.1.
func (v *v1) probe(ctx context.Context) error {
	return v.call(ctx, "probe v1.1 access", "statuses/mentions_timeline", false, func(c *gotwitter.Client) (*http.Response, error) {
		tweets, resp, err := c.Timelines.MentionTimeline(&gotwitter.MentionTimelineParams{Count: 1, TrimUser: gotwitter.Bool(true)})
		v.c.meter.countReads(v.c.now(), len(tweets))
		return resp, err
	})
}
