package twitter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// v2Time is the created_at format of X API v2.
const v2Time = "2006-01-02T15:04:05.000Z"

// Query parameters of the v2 reads (see the X API v2 reference).
const (
	mentionTweetFields = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,attachments"
	mentionExpansions  = "author_id,attachments.media_keys"
	userFields         = "username,name"
	mediaFields        = "url,preview_image_url,type"
	dmEventFields      = "id,text,created_at,sender_id,dm_conversation_id,attachments"
	dmExpansions       = "sender_id,attachments.media_keys"
)

// v2 speaks X API v2 through a small typed client over net/http.
type v2 struct {
	c      *Connector
	base   string       // api_url without a trailing slash
	client *http.Client // signs OAuth 1.0a requests in its transport
	tokens *tokenSource // OAuth 2.0: sets the Bearer token; nil with OAuth 1.0a
}

type v2User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

type v2Media struct {
	MediaKey        string `json:"media_key"`
	Type            string `json:"type"`
	URL             string `json:"url"`
	PreviewImageURL string `json:"preview_image_url"`
}

type v2Includes struct {
	Users []v2User  `json:"users"`
	Media []v2Media `json:"media"`
}

type v2Meta struct {
	ResultCount int    `json:"result_count"`
	NewestID    string `json:"newest_id"`
	OldestID    string `json:"oldest_id"`
	NextToken   string `json:"next_token"`
}

type v2Envelope struct {
	Data     json.RawMessage `json:"data"`
	Includes v2Includes      `json:"includes"`
	Meta     *v2Meta         `json:"meta"`
	Errors   []problem       `json:"errors"`
}

type v2Tweet struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	AuthorID         string `json:"author_id"`
	CreatedAt        string `json:"created_at"`
	ConversationID   string `json:"conversation_id"`
	InReplyToUserID  string `json:"in_reply_to_user_id"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Attachments struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
}

type v2DMEvent struct {
	ID               string `json:"id"`
	EventType        string `json:"event_type"`
	Text             string `json:"text"`
	SenderID         string `json:"sender_id"`
	DMConversationID string `json:"dm_conversation_id"`
	CreatedAt        string `json:"created_at"`
	Attachments      struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
}

// do sends one request and decodes a 2xx envelope; every failure comes
// back classified. An OAuth 2.0 access token X refuses is refreshed once.
func (v *v2) do(ctx context.Context, op, method, path string, query url.Values, body any) (*v2Envelope, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("%s: encoding request: %w", op, err)
		}
	}
	post := method != http.MethodGet
	for attempt := 0; ; attempt++ {
		if err := v.c.waitRateLimit(op, path); err != nil {
			return nil, err
		}
		if err := v.c.takeBudget(op, method, path); err != nil {
			return nil, err
		}
		u := v.base + path
		if len(query) > 0 {
			u += "?" + query.Encode()
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		tracker := &wroteTracker{}
		req, err := http.NewRequestWithContext(tracker.context(ctx), method, u, rd)
		if err != nil {
			return nil, fmt.Errorf("%s: building request: %w", op, err)
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		access := ""
		if v.tokens != nil {
			if access, err = v.tokens.token(ctx); err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+access)
		}
		resp, err := v.client.Do(req)
		if err != nil {
			return nil, transportError(op, err, post, tracker.wrote.Load())
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		_ = resp.Body.Close()
		if err != nil {
			return nil, transportError(op, err, post, true)
		}
		if resp.StatusCode == http.StatusUnauthorized && v.tokens != nil && attempt == 0 {
			// The access token may have expired early or been revoked:
			// refresh once; a 401 means the request was not applied.
			v.tokens.refused(access)
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			cerr := classifyV2(op, resp.StatusCode, resp.Header, raw, v.c.now(), post)
			v.c.noteRateLimited(path, cerr)
			return nil, cerr
		}
		var env v2Envelope
		if err := json.Unmarshal(raw, &env); err != nil {
			return nil, malformed(op, err, post)
		}
		if len(env.Errors) > 0 {
			if len(env.Data) == 0 && env.Meta == nil {
				// Nothing but errors: the request failed as a whole.
				p := env.Errors[0]
				status := p.Status
				if status == 0 {
					status = http.StatusBadRequest
					if strings.HasSuffix(p.Type, "/resource-not-found") {
						status = http.StatusNotFound
					}
				}
				pb, _ := json.Marshal(p)
				return nil, classifyV2(op, status, resp.Header, pb, v.c.now(), post)
			}
			for _, p := range env.Errors {
				v.c.log.Warn("X returned partial errors", "account", v.c.cfg.Name, "op", op,
					"title", p.Title, "detail", p.text(), "type", p.Type, "resource_id", p.ResourceID)
			}
		}
		return &env, nil
	}
}

func parseV2Time(s string) (time.Time, error) {
	if t, err := time.Parse(v2Time, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// index maps the expanded users and media by the keys posts and events
// refer to them with.
func (inc v2Includes) index() (map[string]v2User, map[string]v2Media) {
	users := make(map[string]v2User, len(inc.Users))
	for _, u := range inc.Users {
		users[u.ID] = u
	}
	media := make(map[string]v2Media, len(inc.Media))
	for _, m := range inc.Media {
		media[m.MediaKey] = m
	}
	return users, media
}

// posts joins posts with their includes.
func (v *v2) posts(op string, env *v2Envelope) ([]post, error) {
	var raw []v2Tweet
	if len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, &raw); err != nil {
			return nil, malformed(op, err, false)
		}
	}
	users, media := env.Includes.index()
	out := make([]post, 0, len(raw))
	for _, t := range raw {
		at, err := parseV2Time(t.CreatedAt)
		if err != nil {
			return nil, malformed(op, fmt.Errorf("post %s: created_at %q: %w", t.ID, t.CreatedAt, err), false)
		}
		p := post{ID: t.ID, Text: unescape(t.Text), CreatedAt: at, ConversationID: t.ConversationID}
		for _, r := range t.ReferencedTweets {
			if r.Type == "replied_to" {
				p.InReplyToID = r.ID
			}
		}
		u := users[t.AuthorID]
		p.Author = inbox.Author{ID: t.AuthorID, Name: u.Name, Handle: u.Username}
		p.Attachments = v2Attachments(t.Attachments.MediaKeys, media)
		out = append(out, p)
	}
	return out, nil
}

func v2Attachments(keys []string, media map[string]v2Media) []inbox.Attachment {
	var out []inbox.Attachment
	for _, k := range keys {
		m, ok := media[k]
		if !ok {
			continue
		}
		u := m.URL
		if u == "" {
			u = m.PreviewImageURL
		}
		out = append(out, inbox.Attachment{Type: attachmentType(m.Type), URL: u})
	}
	return out
}

func (v *v2) dmEvents(op string, env *v2Envelope) ([]dmEvent, error) {
	var raw []v2DMEvent
	if len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, &raw); err != nil {
			return nil, malformed(op, err, false)
		}
	}
	users, media := env.Includes.index()
	out := make([]dmEvent, 0, len(raw))
	for _, e := range raw {
		if e.EventType != "" && e.EventType != "MessageCreate" {
			continue
		}
		at, err := parseV2Time(e.CreatedAt)
		if err != nil {
			return nil, malformed(op, fmt.Errorf("DM event %s: created_at %q: %w", e.ID, e.CreatedAt, err), false)
		}
		u := users[e.SenderID]
		out = append(out, dmEvent{
			ID: e.ID, ConversationID: e.DMConversationID, SenderID: e.SenderID,
			Text: unescape(e.Text), CreatedAt: at,
			Author:      inbox.Author{ID: e.SenderID, Name: u.Name, Handle: u.Username},
			Attachments: v2Attachments(e.Attachments.MediaKeys, media),
		})
	}
	return out, nil
}

func (v *v2) mentions(ctx context.Context, sinceID, token string) (mentionsPage, error) {
	const op = "poll mentions"
	q := url.Values{
		"max_results":  {"100"},
		"tweet.fields": {mentionTweetFields},
		"expansions":   {mentionExpansions},
		"user.fields":  {userFields},
		"media.fields": {mediaFields},
	}
	if sinceID != "" {
		q.Set("since_id", sinceID)
	}
	if token != "" {
		q.Set("pagination_token", token)
	}
	env, err := v.do(ctx, op, http.MethodGet, "/2/users/"+v.c.cfg.UserID+"/mentions", q, nil)
	if err != nil {
		return mentionsPage{}, err
	}
	ps, err := v.posts(op, env)
	if err != nil {
		return mentionsPage{}, err
	}
	v.c.meter.countReads(v.c.now(), len(ps)+len(env.Includes.Users)+len(env.Includes.Media))
	pg := mentionsPage{Posts: ps}
	if env.Meta != nil {
		pg.NewestID, pg.Next = env.Meta.NewestID, env.Meta.NextToken
	}
	if pg.NewestID == "" && len(ps) > 0 {
		pg.NewestID = ps[0].ID
	}
	return pg, nil
}

func (v *v2) dms(ctx context.Context, token string, size int) (dmPage, error) {
	const op = "poll direct messages"
	q := url.Values{
		"event_types":     {"MessageCreate"},
		"max_results":     {strconv.Itoa(min(size, 100))},
		"dm_event.fields": {dmEventFields},
		"expansions":      {dmExpansions},
		"user.fields":     {userFields},
		"media.fields":    {mediaFields},
	}
	if token != "" {
		q.Set("pagination_token", token)
	}
	env, err := v.do(ctx, op, http.MethodGet, "/2/dm_events", q, nil)
	if err != nil {
		return dmPage{}, err
	}
	es, err := v.dmEvents(op, env)
	if err != nil {
		return dmPage{}, err
	}
	v.c.meter.countReads(v.c.now(), len(es)+len(env.Includes.Users)+len(env.Includes.Media))
	pg := dmPage{Events: es}
	if env.Meta != nil {
		pg.Next = env.Meta.NextToken
	}
	return pg, nil
}

func (v *v2) ownPosts(ctx context.Context, since time.Time, token string) (mentionsPage, error) {
	const op = "verify reply post"
	q := url.Values{
		"max_results":  {"100"},
		"tweet.fields": {"created_at,conversation_id,referenced_tweets"},
		"start_time":   {since.UTC().Truncate(time.Second).Format(time.RFC3339)},
	}
	if token != "" {
		q.Set("pagination_token", token)
	}
	env, err := v.do(ctx, op, http.MethodGet, "/2/users/"+v.c.cfg.UserID+"/tweets", q, nil)
	if err != nil {
		return mentionsPage{}, err
	}
	ps, err := v.posts(op, env)
	if err != nil {
		return mentionsPage{}, err
	}
	v.c.meter.countReads(v.c.now(), len(ps))
	pg := mentionsPage{Posts: ps}
	if env.Meta != nil {
		pg.Next = env.Meta.NextToken
	}
	return pg, nil
}

func (v *v2) postReply(ctx context.Context, text, inReplyTo string) (string, error) {
	const op = "send reply post"
	body := map[string]any{"text": text, "reply": map[string]string{"in_reply_to_tweet_id": inReplyTo}}
	env, err := v.do(ctx, op, http.MethodPost, "/2/tweets", nil, body)
	if err != nil {
		return "", err
	}
	var data struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(env.Data, &data); err != nil || data.ID == "" {
		return "", malformed(op, fmt.Errorf("no data.id in the answer"), true)
	}
	return data.ID, nil
}

func (v *v2) sendDM(ctx context.Context, participant, text string) (string, error) {
	const op = "send direct message"
	env, err := v.do(ctx, op, http.MethodPost, "/2/dm_conversations/with/"+url.PathEscape(participant)+"/messages", nil, map[string]string{"text": text})
	if err != nil {
		return "", err
	}
	var data struct {
		DMEventID string `json:"dm_event_id"`
	}
	if err := json.Unmarshal(env.Data, &data); err != nil || data.DMEventID == "" {
		return "", malformed(op, fmt.Errorf("no data.dm_event_id in the answer"), true)
	}
	return data.DMEventID, nil
}

// me reads the user the credentials belong to (GET /2/users/me).
func (v *v2) me(ctx context.Context) (v2User, error) {
	const op = "probe credentials"
	env, err := v.do(ctx, op, http.MethodGet, "/2/users/me", nil, nil)
	if err != nil {
		return v2User{}, err
	}
	var u v2User
	if err := json.Unmarshal(env.Data, &u); err != nil || u.ID == "" {
		return v2User{}, malformed(op, fmt.Errorf("no data.id in the answer"), false)
	}
	v.c.meter.countReads(v.c.now(), 1)
	return u, nil
}
