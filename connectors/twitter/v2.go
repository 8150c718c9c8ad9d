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

	"github.com/inboxd/inboxd/connectors"
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
	Data     json.RawMessage
	Includes v2Includes
	Meta     *v2Meta
	Errors   []problem
}

// decodeV2Envelope reads a 2xx body. Only a body that is not a JSON object
// fails: includes, meta and errors are read part by part and entry by
// entry, so an entry in an unexpected shape costs what it carried (an
// author's name, a partial error's text), never the page's records.
func decodeV2Envelope(raw []byte) (*v2Envelope, error) {
	var parts struct {
		Data     json.RawMessage `json:"data"`
		Includes struct {
			Users []json.RawMessage `json:"users"`
			Media []json.RawMessage `json:"media"`
		} `json:"includes"`
		Meta   json.RawMessage   `json:"meta"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		// The includes or errors lists themselves may be of the wrong
		// type: retry with data and meta alone before giving up.
		var core struct {
			Data json.RawMessage `json:"data"`
			Meta json.RawMessage `json:"meta"`
		}
		if err2 := json.Unmarshal(raw, &core); err2 != nil {
			return nil, err
		}
		parts.Data, parts.Meta = core.Data, core.Meta
	}
	env := &v2Envelope{Data: parts.Data}
	if string(env.Data) == "null" {
		env.Data = nil
	}
	env.Includes.Users = decodeEach[v2User](parts.Includes.Users)
	env.Includes.Media = decodeEach[v2Media](parts.Includes.Media)
	env.Errors = decodeEach[problem](parts.Errors)
	if len(parts.Meta) > 0 && string(parts.Meta) != "null" {
		var m v2Meta
		if json.Unmarshal(parts.Meta, &m) == nil {
			env.Meta = &m
		} else {
			env.Meta = &v2Meta{} // present but unreadable: no next page, newest from the data
		}
	}
	return env, nil
}

// decodeEach decodes the entries that have T's shape and skips the others.
func decodeEach[T any](raws []json.RawMessage) []T {
	out := make([]T, 0, len(raws))
	for _, r := range raws {
		var v T
		if json.Unmarshal(r, &v) == nil {
			out = append(out, v)
		}
	}
	return out
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
		if err := v.c.takeBudget(ctx, op, method, path); err != nil {
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
		env, err := decodeV2Envelope(raw)
		if err != nil {
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
			// Partial errors are routine (a deleted or protected post in a
			// conversation): the data next to them is kept.
			for _, p := range env.Errors {
				v.c.log.Debug("X returned partial errors", "account", v.c.cfg.Name, "op", op,
					"title", p.Title, "detail", p.text(), "type", p.Type, "resource_id", p.ResourceID)
			}
		}
		return env, nil
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

// records splits a data array into its entries; data of another shape is
// one rejected record.
func records(source string, data json.RawMessage) ([]json.RawMessage, []connectors.Rejected) {
	if len(data) == 0 {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, []connectors.Rejected{{Source: source, Reason: "data is not a list of records: " + err.Error(), Raw: data}}
	}
	return raws, nil
}

// checkRecord says why a record's id or time make it unusable, or "".
func checkRecord(kind, id, createdAt string) (time.Time, string) {
	if id == "" {
		return time.Time{}, kind + " has no id"
	}
	if !decimalID(id) {
		return time.Time{}, fmt.Sprintf("%s id %q is not a decimal X id", kind, id)
	}
	if createdAt == "" {
		// X omits created_at unless asked for it: a snowflake id carries
		// its creation time to the millisecond.
		if at, ok := snowflakeTime(id); ok {
			return at, ""
		}
		return time.Time{}, kind + " " + id + " has no created_at"
	}
	at, err := parseV2Time(createdAt)
	if err != nil {
		return time.Time{}, fmt.Sprintf("%s %s: created_at %q is not a time", kind, id, createdAt)
	}
	return at, ""
}

// snowflakeEpoch is X's snowflake epoch, in Unix milliseconds.
const snowflakeEpoch = 1288834974657

// snowflakeTime is when a snowflake id was made; ids from before
// snowflakes (2010) carry no time.
func snowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n>>22 == 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(n>>22) + snowflakeEpoch).UTC(), true
}

// decimalID reports whether s is an X snowflake: decimal digits only.
func decimalID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// newestID is the largest decimal id among ids.
func newestID(ids ...string) string {
	best := ""
	for _, id := range ids {
		if decimalID(id) && (best == "" || lessID(best, id)) {
			best = id
		}
	}
	return best
}

// posts joins posts with their includes, record by record: a post it
// cannot use comes back rejected. ids lists every readable post id, used
// or not, so the cursor can move past all of them.
func (v *v2) posts(source string, env *v2Envelope) (out []post, rejected []connectors.Rejected, ids []string) {
	raws, rejected := records(source, env.Data)
	users, media := env.Includes.index()
	out = make([]post, 0, len(raws))
	for _, r := range raws {
		var t v2Tweet
		if err := json.Unmarshal(r, &t); err != nil {
			rejected = append(rejected, connectors.Rejected{Source: source, ExternalID: connectors.RejectedID(r), Reason: "post is not in X's shape: " + err.Error(), Raw: r})
			continue
		}
		ids = append(ids, t.ID)
		at, why := checkRecord("post", t.ID, t.CreatedAt)
		if why != "" {
			rejected = append(rejected, connectors.Rejected{Source: source, ExternalID: t.ID, Reason: why, Raw: r})
			continue
		}
		p := post{ID: t.ID, Text: unescape(t.Text), CreatedAt: at, ConversationID: t.ConversationID, Raw: r}
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
	return out, rejected, ids
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

// dmEvents joins DM events with their includes, record by record.
func (v *v2) dmEvents(source string, env *v2Envelope) (out []dmEvent, rejected []connectors.Rejected) {
	raws, rejected := records(source, env.Data)
	users, media := env.Includes.index()
	out = make([]dmEvent, 0, len(raws))
	for _, r := range raws {
		var e v2DMEvent
		if err := json.Unmarshal(r, &e); err != nil {
			rejected = append(rejected, connectors.Rejected{Source: source, ExternalID: connectors.RejectedID(r), Reason: "DM event is not in X's shape: " + err.Error(), Raw: r})
			continue
		}
		if e.EventType != "" && e.EventType != "MessageCreate" {
			continue
		}
		at, why := checkRecord("DM event", e.ID, e.CreatedAt)
		if why == "" && e.DMConversationID == "" {
			why = "DM event " + e.ID + " has no dm_conversation_id"
		}
		if why != "" {
			rejected = append(rejected, connectors.Rejected{Source: source, ExternalID: e.ID, Reason: why, Raw: r})
			continue
		}
		u := users[e.SenderID]
		out = append(out, dmEvent{
			ID: e.ID, ConversationID: e.DMConversationID, SenderID: e.SenderID,
			Text: unescape(e.Text), CreatedAt: at,
			Author:      inbox.Author{ID: e.SenderID, Name: u.Name, Handle: u.Username},
			Attachments: v2Attachments(e.Attachments.MediaKeys, media),
			Raw:         r,
		})
	}
	return out, rejected
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
	ps, rejected, ids := v.posts(SourceMentions, env)
	v.c.meter.countReads(v.c.now(), len(ids)+len(env.Includes.Users)+len(env.Includes.Media))
	pg := mentionsPage{Posts: ps, Rejected: rejected}
	if env.Meta != nil {
		pg.Next = env.Meta.NextToken
		pg.NewestID = newestID(env.Meta.NewestID)
	}
	if pg.NewestID == "" {
		// No usable newest_id: the largest id on the page, rejected
		// records included, so since_id moves past them.
		pg.NewestID = newestID(ids...)
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
	es, rejected := v.dmEvents(SourceDirectMessages, env)
	v.c.meter.countReads(v.c.now(), len(es)+len(rejected)+len(env.Includes.Users)+len(env.Includes.Media))
	pg := dmPage{Events: es, Rejected: rejected}
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
	ps, _, ids := v.posts(op, env) // a post we cannot read is not the reply we look for
	v.c.meter.countReads(v.c.now(), len(ids))
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
