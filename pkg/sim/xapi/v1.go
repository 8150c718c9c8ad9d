package xapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// v1Time is v1.1's created_at format.
const v1Time = "Mon Jan 02 15:04:05 +0000 2006"

func (s *Server) v1UserJSON(id string) map[string]any {
	u, ok := s.users[id]
	if !ok {
		u = User{ID: id, Username: "user" + id, Name: "User " + id}
	}
	return map[string]any{"id": json.Number(u.ID), "id_str": u.ID, "name": u.Name, "screen_name": u.Username}
}

// v1TweetJSON renders a post as v1.1 does (tweet_mode=extended puts the
// text in full_text).
func (s *Server) v1TweetJSON(t *Tweet, extended bool) map[string]any {
	text := escapeText(t.Text)
	m := map[string]any{
		"created_at":                t.CreatedAt.UTC().Format(v1Time),
		"id":                        json.Number(t.ID),
		"id_str":                    t.ID,
		"truncated":                 false,
		"display_text_range":        []int{0, utf8.RuneCountInString(text)},
		"in_reply_to_status_id":     nil,
		"in_reply_to_status_id_str": nil,
		"in_reply_to_user_id":       nil,
		"in_reply_to_user_id_str":   nil,
		"in_reply_to_screen_name":   nil,
		"user":                      s.v1UserJSON(t.AuthorID),
		"is_quote_status":           t.QuoteOf != "",
		"lang":                      "in",
	}
	if extended {
		m["full_text"] = text
	} else {
		m["text"] = text
	}
	if t.InReplyToID != "" {
		m["in_reply_to_status_id"] = json.Number(t.InReplyToID)
		m["in_reply_to_status_id_str"] = t.InReplyToID
		m["in_reply_to_user_id"] = json.Number(t.InReplyToUser)
		m["in_reply_to_user_id_str"] = t.InReplyToUser
		m["in_reply_to_screen_name"] = s.v1UserJSON(t.InReplyToUser)["screen_name"]
	}
	if t.QuoteOf != "" {
		m["quoted_status_id"] = json.Number(t.QuoteOf)
		m["quoted_status_id_str"] = t.QuoteOf
	}
	var userMentions []map[string]any
	for _, h := range handles(t.Text) {
		for _, u := range s.users {
			if strings.EqualFold(u.Username, h) {
				userMentions = append(userMentions, map[string]any{"screen_name": u.Username, "name": u.Name, "id": json.Number(u.ID), "id_str": u.ID})
			}
		}
	}
	m["entities"] = map[string]any{"hashtags": []any{}, "symbols": []any{}, "urls": []any{}, "user_mentions": nonNil(userMentions)}
	if len(t.Media) > 0 {
		var media []map[string]any
		for i, md := range t.Media {
			id := mediaID(t.ID, i)
			media = append(media, map[string]any{
				"id": json.Number(id), "id_str": id, "media_url_https": md.URL,
				"url": "https://t.co/" + id, "type": md.Type,
			})
		}
		m["extended_entities"] = map[string]any{"media": media}
	}
	return m
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

// v1Timeline answers a v1.1 timeline (newest first) with count, since_id, max_id.
func (s *Server) v1Timeline(w http.ResponseWriter, r *http.Request, match func(*Tweet) bool) {
	q := r.URL.Query()
	count := 20
	if c, err := strconv.Atoi(q.Get("count")); err == nil && c > 0 {
		count = min(c, 200)
	}
	sinceID, maxID := q.Get("since_id"), q.Get("max_id")
	extended := q.Get("tweet_mode") == "extended"
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for i := len(s.tweets) - 1; i >= 0 && len(out) < count; i-- {
		t := s.tweets[i]
		if !match(t) || (sinceID != "" && !lessID(sinceID, t.ID)) || (maxID != "" && lessID(maxID, t.ID)) {
			continue
		}
		out = append(out, s.v1TweetJSON(t, extended))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) serveV1Mentions(w http.ResponseWriter, r *http.Request) {
	s.v1Timeline(w, r, func(t *Tweet) bool { return mentions(t.Text, s.opts.Username) })
}

func (s *Server) serveV1UserTimeline(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("user_id")
	if id == "" {
		id = s.opts.UserID
	}
	s.v1Timeline(w, r, func(t *Tweet) bool { return t.AuthorID == id })
}

func v1DMJSON(e *DMEvent) map[string]any {
	return map[string]any{
		"type":              "message_create",
		"id":                e.ID,
		"created_timestamp": strconv.FormatInt(e.CreatedAt.UnixMilli(), 10),
		"message_create": map[string]any{
			"target":    map[string]any{"recipient_id": e.RecipientID},
			"sender_id": e.SenderID,
			"message_data": map[string]any{
				"text":     escapeText(e.Text),
				"entities": map[string]any{"hashtags": []any{}, "symbols": []any{}, "user_mentions": []any{}, "urls": []any{}},
			},
		},
	}
}

func (s *Server) serveV1DMList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	count := 20
	if c, err := strconv.Atoi(q.Get("count")); err == nil && c > 0 {
		count = min(c, 50)
	}
	start := ""
	if c := q.Get("cursor"); c != "" {
		var ok bool
		if start, ok = pageStart(c); !ok {
			writeJSON(w, http.StatusBadRequest, v1Errors(44, "cursor parameter is invalid."))
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	me := s.opts.UserID
	events := []map[string]any{}
	next := ""
	for i := len(s.dms) - 1; i >= 0; i-- {
		e := s.dms[i]
		if (e.SenderID != me && e.RecipientID != me) || (start != "" && lessID(start, e.ID)) {
			continue
		}
		if len(events) == count {
			next = pageToken(e.ID)
			break
		}
		events = append(events, v1DMJSON(e))
	}
	body := map[string]any{"events": events}
	if next != "" {
		body["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) serveV1Update(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, v1Errors(38, "status parameter is missing."))
		return
	}
	text := r.PostForm.Get("status")
	if text == "" {
		writeJSON(w, http.StatusBadRequest, v1Errors(170, "Missing required parameter: status."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inReplyTo := r.PostForm.Get("in_reply_to_status_id")
	if inReplyTo != "" {
		target, ok := s.tweetIdx[inReplyTo]
		if !ok {
			writeJSON(w, http.StatusForbidden, v1Errors(385, "You attempted to reply to a Tweet that is deleted or not visible to you."))
			return
		}
		// auto_populate_reply_metadata puts the replied-to author's
		// handle in front of the text, as X does.
		if r.PostForm.Get("auto_populate_reply_metadata") == "true" && target.AuthorID != s.opts.UserID {
			text = "@" + s.v1UserJSON(target.AuthorID)["screen_name"].(string) + " " + text
		}
	}
	if utf8.RuneCountInString(text) > 280 {
		writeJSON(w, http.StatusForbidden, v1Errors(186, "Tweet needs to be a bit shorter."))
		return
	}
	if s.duplicateLocked(text) {
		writeJSON(w, http.StatusForbidden, v1Errors(187, "Status is a duplicate."))
		return
	}
	t := s.addTweetLocked(s.opts.UserID, text, inReplyTo, "", nil, time.Time{}, true)
	writeJSON(w, http.StatusOK, s.v1TweetJSON(t, false))
}

func (s *Server) serveV1DMNew(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Event struct {
			Type          string `json:"type"`
			MessageCreate struct {
				Target struct {
					RecipientID string `json:"recipient_id"`
				} `json:"target"`
				MessageData struct {
					Text string `json:"text"`
				} `json:"message_data"`
			} `json:"message_create"`
		} `json:"event"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Event.Type != "message_create" {
		writeJSON(w, http.StatusBadRequest, v1Errors(214, "event.type: invalid value."))
		return
	}
	text := req.Event.MessageCreate.MessageData.Text
	rcpt := req.Event.MessageCreate.Target.RecipientID
	if text == "" {
		writeJSON(w, http.StatusBadRequest, v1Errors(214, "event.message_create.message_data.text: missing."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[rcpt]; !ok || rcpt == s.opts.UserID {
		writeJSON(w, http.StatusNotFound, v1Errors(50, "User not found."))
		return
	}
	e := s.addDMLocked(s.opts.UserID, rcpt, text, nil, time.Time{}, true)
	writeJSON(w, http.StatusOK, map[string]any{"event": v1DMJSON(e)})
}
