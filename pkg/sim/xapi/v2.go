package xapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// v2Time is X v2's created_at format: RFC 3339, UTC, milliseconds.
const v2Time = "2006-01-02T15:04:05.000Z"

// escapeText escapes what X escapes in post and DM text.
var escapeText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.route(Mentions, "GET /2/users/{id}/mentions", false, s.serveMentions)
	s.route(UserTweets, "GET /2/users/{id}/tweets", false, s.serveUserTweets)
	s.route(DMEvents, "GET /2/dm_events", false, s.serveDMEvents)
	s.route(CreateTweet, "POST /2/tweets", false, s.serveCreateTweet)
	s.route(SendDM, "POST /2/dm_conversations/with/{participant}/messages", false, s.serveSendDM)
	s.route(UsersMe, "GET /2/users/me", false, s.serveUsersMe)
	s.route(OAuth2Token, "POST /2/oauth2/token", false, s.serveToken)
	s.route(V1Mentions, "GET /1.1/statuses/mentions_timeline.json", true, s.serveV1Mentions)
	s.route(V1UserTimeline, "GET /1.1/statuses/user_timeline.json", true, s.serveV1UserTimeline)
	s.route(V1DMList, "GET /1.1/direct_messages/events/list.json", true, s.serveV1DMList)
	s.route(V1Update, "POST /1.1/statuses/update.json", true, s.serveV1Update)
	s.route(V1DMNew, "POST /1.1/direct_messages/events/new.json", true, s.serveV1DMNew)
}

// route wraps a handler with what every X endpoint does: count the request,
// play an injected fault, check credentials and the rate-limit window, and
// send the x-rate-limit-* headers.
func (s *Server) route(ep Endpoint, pattern string, v1 bool, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[ep]++
		rl := s.countLocked(ep)
		f := s.takeFaultLocked(ep)
		s.mu.Unlock()

		if ep == OAuth2Token { // not rate limited, not authenticated by a user token
			if f != nil && s.playFault(w, r, v1, f, rl) {
				return
			}
			h(w, r)
			return
		}
		setRateHeaders(w, rl)
		ok, oauth1 := s.authenticate(r)
		if oauth1 {
			w.Header().Set("x-access-level", s.opts.AccessLevel)
		}
		if f != nil {
			if f.AfterEffect && ok {
				rec := httptest.NewRecorder()
				h(rec, r)
				if !s.playFault(w, r, v1, f, rl) {
					for k, v := range rec.Header() {
						w.Header()[k] = v
					}
					w.WriteHeader(rec.Code)
					_, _ = w.Write(rec.Body.Bytes())
				}
				return
			}
			if s.playFault(w, r, v1, f, rl) {
				return
			}
		}
		if !ok {
			if v1 {
				writeJSON(w, http.StatusUnauthorized, v1Errors(32, "Could not authenticate you."))
			} else {
				writeProblem(w, http.StatusUnauthorized, problemUnauthorize)
			}
			return
		}
		if !rl.ok {
			if v1 {
				writeJSON(w, http.StatusTooManyRequests, v1Errors(88, "Rate limit exceeded"))
			} else {
				writeProblem(w, http.StatusTooManyRequests, problemTooMany)
			}
			return
		}
		h(w, r)
	})
}

// fieldSet parses a comma-separated fields or expansions parameter.
func fieldSet(r *http.Request, name string) map[string]bool {
	set := map[string]bool{}
	for _, f := range strings.Split(r.URL.Query().Get(name), ",") {
		if f = strings.TrimSpace(f); f != "" {
			set[f] = true
		}
	}
	return set
}

// maxResults parses max_results within [lo, hi], def when absent.
func maxResults(r *http.Request, lo, hi, def int) (int, bool) {
	v := r.URL.Query().Get("max_results")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// Pagination tokens are opaque to clients; here they name the id the next
// page starts at.
func pageToken(id string) string {
	n, _ := strconv.ParseUint(id, 10, 64)
	return "7140dib" + strconv.FormatUint(n, 36)
}

func pageStart(tok string) (string, bool) {
	rest, ok := strings.CutPrefix(tok, "7140dib")
	if !ok {
		return "", false
	}
	n, err := strconv.ParseUint(rest, 36, 64)
	if err != nil {
		return "", false
	}
	return strconv.FormatUint(n, 10), true
}

func mediaKey(owner string, i int, m Media) string {
	prefix := "3_"
	if m.Type == "video" || m.Type == "animated_gif" {
		prefix = "7_"
	}
	return prefix + mediaID(owner, i)
}

// mediaID derives a media id from its post's id (media ids are a namespace
// of their own on X; these only need to be stable and 64-bit).
func mediaID(owner string, i int) string {
	n, _ := strconv.ParseUint(owner, 10, 64)
	return strconv.FormatUint(n-uint64(i)-1, 10)
}

// includes collects the expanded objects of a response.
type includes struct {
	users    []map[string]any
	media    []map[string]any
	seenUser map[string]bool
}

func (s *Server) addUser(inc *includes, id string, fields map[string]bool) {
	if inc.seenUser == nil {
		inc.seenUser = map[string]bool{}
	}
	if inc.seenUser[id] {
		return
	}
	inc.seenUser[id] = true
	u, ok := s.users[id]
	if !ok {
		u = User{ID: id, Username: "user" + id, Name: "User " + id}
	}
	m := map[string]any{"id": u.ID, "name": u.Name, "username": u.Username}
	if fields["verified"] {
		m["verified"] = false
	}
	if fields["protected"] {
		m["protected"] = false
	}
	inc.users = append(inc.users, m)
}

func addMedia(inc *includes, owner string, media []Media, fields map[string]bool) []string {
	keys := make([]string, 0, len(media))
	for i, m := range media {
		key := mediaKey(owner, i, m)
		keys = append(keys, key)
		obj := map[string]any{"media_key": key, "type": m.Type}
		if m.Type == "photo" && fields["url"] {
			obj["url"] = m.URL
		}
		if m.Type != "photo" && fields["preview_image_url"] {
			obj["preview_image_url"] = m.URL
		}
		inc.media = append(inc.media, obj)
	}
	return keys
}

func (inc *includes) json() map[string]any {
	out := map[string]any{}
	if len(inc.users) > 0 {
		out["users"] = inc.users
	}
	if len(inc.media) > 0 {
		out["media"] = inc.media
	}
	return out
}

// tweetJSON renders a post with the requested tweet.fields and records its
// expansions in inc.
func (s *Server) tweetJSON(t *Tweet, r *http.Request, inc *includes) map[string]any {
	fields := fieldSet(r, "tweet.fields")
	exp := fieldSet(r, "expansions")
	m := map[string]any{"id": t.ID, "text": escapeText(t.Text), "edit_history_tweet_ids": []string{t.ID}}
	if fields["created_at"] {
		m["created_at"] = t.CreatedAt.UTC().Format(v2Time)
	}
	if fields["author_id"] {
		m["author_id"] = t.AuthorID
	}
	if fields["conversation_id"] {
		m["conversation_id"] = t.ConversationID
	}
	if fields["in_reply_to_user_id"] && t.InReplyToUser != "" {
		m["in_reply_to_user_id"] = t.InReplyToUser
	}
	if fields["referenced_tweets"] {
		var refs []map[string]string
		if t.InReplyToID != "" {
			refs = append(refs, map[string]string{"type": "replied_to", "id": t.InReplyToID})
		}
		if t.QuoteOf != "" {
			refs = append(refs, map[string]string{"type": "quoted", "id": t.QuoteOf})
		}
		if refs != nil {
			m["referenced_tweets"] = refs
		}
	}
	if exp["author_id"] {
		s.addUser(inc, t.AuthorID, fieldSet(r, "user.fields"))
	}
	if len(t.Media) > 0 {
		var keys []string
		if exp["attachments.media_keys"] {
			keys = addMedia(inc, t.ID, t.Media, fieldSet(r, "media.fields"))
		} else {
			for i, md := range t.Media {
				keys = append(keys, mediaKey(t.ID, i, md))
			}
		}
		if fields["attachments"] {
			m["attachments"] = map[string]any{"media_keys": keys}
		}
	}
	return m
}

// pageTweets answers a timeline request over posts (newest first) with
// since_id, start_time, max_results and pagination_token.
func (s *Server) pageTweets(w http.ResponseWriter, r *http.Request, match func(*Tweet) bool) {
	q := r.URL.Query()
	limit, ok := maxResults(r, 5, 100, 10)
	if !ok {
		writeProblem(w, http.StatusBadRequest, problemInvalid("The `max_results` query parameter value ["+q.Get("max_results")+"] is not between 5 and 100"))
		return
	}
	start := ""
	if tok := q.Get("pagination_token"); tok != "" {
		if start, ok = pageStart(tok); !ok {
			writeProblem(w, http.StatusBadRequest, problemInvalid("The `pagination_token` query parameter value ["+tok+"] is not valid"))
			return
		}
	}
	var startTime time.Time
	if st := q.Get("start_time"); st != "" {
		t, err := time.Parse(time.RFC3339, st)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, problemInvalid("The `start_time` query parameter value ["+st+"] is not a valid RFC 3339 time"))
			return
		}
		startTime = t
	}
	sinceID := q.Get("since_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*Tweet
	for i := len(s.tweets) - 1; i >= 0 && len(list) <= limit; i-- { // limit+1 tells whether there is a next page
		t := s.tweets[i]
		if sinceID != "" && !lessID(sinceID, t.ID) {
			break // s.tweets is in id order (nextIDLocked): every older one is out too
		}
		// Cheap checks before match, which parses the text: a load run
		// holds hundreds of thousands of posts.
		if start != "" && lessID(start, t.ID) || t.CreatedAt.Before(startTime) || !match(t) {
			continue
		}
		list = append(list, t)
	}
	var next string
	if len(list) > limit {
		next = pageToken(list[limit].ID)
		list = list[:limit]
	}
	inc := &includes{}
	data := make([]map[string]any, 0, len(list))
	for _, t := range list {
		data = append(data, s.tweetJSON(t, r, inc))
	}
	meta := map[string]any{"result_count": len(data)}
	if len(list) > 0 {
		meta["newest_id"] = list[0].ID
		meta["oldest_id"] = list[len(list)-1].ID
	}
	if next != "" {
		meta["next_token"] = next
	}
	body := map[string]any{"meta": meta}
	if len(data) > 0 {
		body["data"] = data
		if incJSON := inc.json(); len(incJSON) > 0 {
			body["includes"] = incJSON
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) serveMentions(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	u, ok := s.users[id]
	s.mu.Unlock()
	if !ok {
		writeProblem(w, http.StatusNotFound, problemNotFound("user", id))
		return
	}
	s.pageTweets(w, r, func(t *Tweet) bool { return mentions(t.Text, u.Username) })
}

func (s *Server) serveUserTweets(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	exclude := fieldSet(r, "exclude")
	s.pageTweets(w, r, func(t *Tweet) bool {
		return t.AuthorID == id && !(exclude["replies"] && t.InReplyToID != "")
	})
}

func (s *Server) serveDMEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := maxResults(r, 1, 100, 100)
	if !ok {
		writeProblem(w, http.StatusBadRequest, problemInvalid("The `max_results` query parameter value ["+q.Get("max_results")+"] is not between 1 and 100"))
		return
	}
	start := ""
	if tok := q.Get("pagination_token"); tok != "" {
		if start, ok = pageStart(tok); !ok {
			writeProblem(w, http.StatusBadRequest, problemInvalid("The `pagination_token` query parameter value ["+tok+"] is not valid"))
			return
		}
	}
	if et := q.Get("event_types"); et != "" && et != "MessageCreate" {
		// The fake holds MessageCreate events only; other types list nothing.
		writeJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"result_count": 0}})
		return
	}
	fields := fieldSet(r, "dm_event.fields")
	exp := fieldSet(r, "expansions")

	s.mu.Lock()
	defer s.mu.Unlock()
	me := s.opts.UserID
	var list []*DMEvent
	for i := len(s.dms) - 1; i >= 0; i-- {
		e := s.dms[i]
		if e.SenderID != me && e.RecipientID != me {
			continue
		}
		if start != "" && lessID(start, e.ID) {
			continue
		}
		list = append(list, e)
	}
	var next string
	if len(list) > limit {
		next = pageToken(list[limit].ID)
		list = list[:limit]
	}
	inc := &includes{}
	data := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m := map[string]any{"id": e.ID, "event_type": "MessageCreate", "text": escapeText(e.Text)}
		if fields["created_at"] {
			m["created_at"] = e.CreatedAt.UTC().Format(v2Time)
		}
		if fields["sender_id"] {
			m["sender_id"] = e.SenderID
		}
		if fields["dm_conversation_id"] {
			m["dm_conversation_id"] = e.ConversationID
		}
		if exp["sender_id"] {
			s.addUser(inc, e.SenderID, fieldSet(r, "user.fields"))
		}
		if len(e.Media) > 0 && fields["attachments"] {
			var keys []string
			if exp["attachments.media_keys"] {
				keys = addMedia(inc, e.ID, e.Media, fieldSet(r, "media.fields"))
			} else {
				for i, md := range e.Media {
					keys = append(keys, mediaKey(e.ID, i, md))
				}
			}
			m["attachments"] = map[string]any{"media_keys": keys}
		}
		data = append(data, m)
	}
	meta := map[string]any{"result_count": len(data)}
	if next != "" {
		meta["next_token"] = next
	}
	if start != "" {
		meta["previous_token"] = pageToken(start)
	}
	body := map[string]any{"meta": meta}
	if len(data) > 0 {
		body["data"] = data
		if incJSON := inc.json(); len(incJSON) > 0 {
			body["includes"] = incJSON
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// mayReplyLocked applies X's rule for self-serve apps: the account may
// reply only to posts that mention or quote it (or that it wrote).
func (s *Server) mayReplyLocked(target *Tweet) bool {
	if target.AuthorID == s.opts.UserID || mentions(target.Text, s.opts.Username) {
		return true
	}
	if q, ok := s.tweetIdx[target.QuoteOf]; ok && q.AuthorID == s.opts.UserID {
		return true
	}
	return false
}

func (s *Server) duplicateLocked(text string) bool {
	for _, t := range s.tweets {
		if t.AuthorID == s.opts.UserID && t.Text == text {
			return true
		}
	}
	return false
}

func (s *Server) serveCreateTweet(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Text  string `json:"text"`
		Reply *struct {
			InReplyToTweetID string `json:"in_reply_to_tweet_id"`
		} `json:"reply"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeProblem(w, http.StatusBadRequest, problemInvalid("Request body is not valid JSON."))
		return
	}
	if req.Text == "" || utf8.RuneCountInString(req.Text) > 280 {
		writeProblem(w, http.StatusBadRequest, problemInvalid("text must be 1 to 280 characters."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inReplyTo := ""
	if req.Reply != nil {
		target, ok := s.tweetIdx[req.Reply.InReplyToTweetID]
		if !ok {
			writeProblem(w, http.StatusForbidden, problemReplyDeleted)
			return
		}
		if !s.mayReplyLocked(target) {
			writeProblem(w, http.StatusForbidden, problemReplyRestricted)
			return
		}
		inReplyTo = target.ID
	}
	if s.duplicateLocked(req.Text) {
		writeProblem(w, http.StatusForbidden, problemDuplicate)
		return
	}
	t := s.addTweetLocked(s.opts.UserID, req.Text, inReplyTo, "", nil, time.Time{}, true)
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{
		"id": t.ID, "text": escapeText(t.Text), "edit_history_tweet_ids": []string{t.ID},
	}})
}

func (s *Server) serveSendDM(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Text == "" {
		writeProblem(w, http.StatusBadRequest, problemInvalid("text is required."))
		return
	}
	pid := r.PathValue("participant")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[pid]; !ok || pid == s.opts.UserID {
		writeProblem(w, http.StatusNotFound, problemNotFound("user", pid))
		return
	}
	e := s.addDMLocked(s.opts.UserID, pid, req.Text, nil, time.Time{}, true)
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]any{
		"dm_conversation_id": e.ConversationID, "dm_event_id": e.ID,
	}})
}

func (s *Server) serveUsersMe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.users[s.opts.UserID]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": u.ID, "name": u.Name, "username": u.Username}})
}
