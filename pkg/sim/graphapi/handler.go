package graphapi

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var versionRe = regexp.MustCompile(`^v\d+\.\d+$`)

const (
	defaultLimit = 25
	maxLimit     = 100
	dayLen       = 24 * time.Hour
	// subcodeInvalidCommentID comes with (#100) "Invalid comment_id
	// parameter" when a comment cannot get a private reply.
	subcodeInvalidCommentID = 2018292
)

// response is a successful answer before faults and headers are applied.
type response struct {
	body    any
	bucType string // "pages" or "messenger", for X-Business-Use-Case-Usage
}

// reqCtx is what a handler needs to know about the request.
type reqCtx struct {
	r       *http.Request
	form    url.Values
	version string // "v25.0/" or ""
	token   string
	now     time.Time
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": errParam("could not parse parameters").err})
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	rc := &reqCtx{r: r, form: r.Form}
	if len(segs) > 0 && versionRe.MatchString(segs[0]) {
		rc.version = segs[0] + "/"
		segs = segs[1:]
	}
	endpoint := s.endpointFor(r.Method, segs)

	s.mu.Lock()
	rc.now = s.opts.Now().UTC()
	form := map[string][]string{}
	if r.Method == http.MethodPost {
		for k, v := range r.PostForm {
			form[k] = append([]string(nil), v...)
		}
	}
	auth := r.Header.Get("Authorization")
	s.requests = append(s.requests, Request{
		Method: r.Method, Endpoint: endpoint, URL: r.URL.RequestURI(), Form: form,
		HasBearer: strings.HasPrefix(auth, "Bearer "),
	})
	usage, regain := s.countCallLocked(rc.now)
	fault := s.takeFaultLocked(endpoint)

	var resp *response
	var eresp *errorResponse
	switch {
	case fault != nil && faultError(fault) != nil:
		eresp = faultError(fault)
	default:
		eresp = s.checkAuthLocked(r, rc)
		if eresp == nil && !s.opts.NoLimits && usage >= 100 {
			eresp = faultError(&Fault{Kind: FaultRateLimit, Code: 80001})
			eresp.regain = regain
		}
		if eresp == nil {
			resp, eresp = s.routeLocked(rc, segs)
		}
	}
	traceID := s.traceIDLocked()
	s.mu.Unlock()

	bucType := "pages"
	if resp != nil {
		bucType = resp.bucType
	} else if strings.Contains(endpoint, "messages") || strings.Contains(endpoint, "conversations") {
		bucType = "messenger"
	}
	if eresp != nil && eresp.full {
		usage, regain = 100, eresp.regain
	}
	s.setUsageHeaders(w, usage, regain, bucType)

	if eresp != nil {
		eresp.err.FBTraceID = traceID
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "`+oauthErrWord(eresp.err.Code)+`" "`+eresp.err.Message+`"`)
		writeJSON(w, eresp.status, map[string]any{"error": eresp.err})
		return
	}
	if fault != nil {
		switch fault.Kind {
		case FaultSlow:
			var delay <-chan time.Time
			if fault.Delay > 0 {
				timer := time.NewTimer(fault.Delay)
				defer timer.Stop()
				delay = timer.C
			}
			select {
			case <-r.Context().Done():
				return
			case <-fault.Release:
			case <-delay:
			}
		case FaultMalformed:
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"data":[{"id":"`))
			return
		case FaultReset:
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler) // still drops the connection
		case FaultBadGateway:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
			return
		}
	}
	writeJSON(w, http.StatusOK, resp.body)
}

func oauthErrWord(code int) string {
	if code == 190 {
		return "invalid_token"
	}
	return "invalid_request"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) traceIDLocked() string {
	s.traceSeq++
	return base64.RawStdEncoding.EncodeToString([]byte(fmt.Sprintf("trace%06d", s.traceSeq)))
}

// countCallLocked counts this call against the hourly budget and returns
// the usage percentage and the minutes until the window resets.
func (s *Server) countCallLocked(now time.Time) (pct, regainMin int) {
	if s.windowStart.IsZero() || now.Sub(s.windowStart) >= time.Hour || now.Before(s.windowStart) {
		s.windowStart, s.windowCalls = now, 0
	}
	s.windowCalls++
	pct = s.windowCalls * 100 / s.opts.CallsPerHour
	if pct >= 100 {
		regainMin = int((time.Hour - now.Sub(s.windowStart) + time.Minute - 1) / time.Minute)
	}
	return pct, regainMin
}

func (s *Server) setUsageHeaders(w http.ResponseWriter, pct, regain int, bucType string) {
	cpu := pct / 2
	app, _ := json.Marshal(map[string]int{"call_count": pct, "total_cputime": cpu, "total_time": cpu})
	buc, _ := json.Marshal(map[string][]map[string]any{s.opts.PageID: {{
		"type": bucType, "call_count": pct, "total_cputime": cpu, "total_time": cpu,
		"estimated_time_to_regain_access": regain,
	}}})
	w.Header().Set("X-App-Usage", string(app))
	w.Header().Set("X-Business-Use-Case-Usage", string(buc))
	w.Header().Set("Facebook-Api-Version", "v25.0")
}

func (s *Server) checkAuthLocked(r *http.Request, rc *reqCtx) *errorResponse {
	token := ""
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		token = strings.TrimPrefix(auth, "Bearer ")
	} else if t := rc.form.Get("access_token"); t != "" {
		token = t
	}
	if token == "" {
		return newError(http.StatusBadRequest, 2500, 0, "OAuthException", "An active access token must be used to query information about the current user.")
	}
	if token != s.opts.PageToken {
		return newError(http.StatusBadRequest, 190, 0, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
	}
	rc.token = token
	if s.opts.AppSecret != "" {
		proof := rc.form.Get("appsecret_proof")
		if proof == "" {
			return newError(http.StatusBadRequest, 100, 0, "GraphMethodException", "API calls from the server require an appsecret_proof argument")
		}
		want := AppsecretProof(token, s.opts.AppSecret)
		if !hmac.Equal([]byte(proof), []byte(want)) {
			return newError(http.StatusBadRequest, 100, 0, "GraphMethodException", "Invalid appsecret_proof provided in the API argument")
		}
	}
	return nil
}

func (s *Server) endpointFor(method string, segs []string) string {
	switch {
	case len(segs) == 1 && segs[0] == "me":
		return EndpointMe
	case len(segs) == 2 && segs[0] == "me" && segs[1] == "permissions":
		return EndpointPermissions
	case len(segs) == 2 && segs[1] == "conversations":
		return EndpointConversations
	case len(segs) == 2 && segs[1] == "feed":
		return EndpointFeed
	case len(segs) == 2 && segs[1] == "tagged":
		return EndpointTagged
	case len(segs) == 2 && segs[1] == "messages" && method == http.MethodPost:
		return EndpointSend
	case len(segs) == 2 && segs[1] == "messages":
		return EndpointConversationMessages
	case len(segs) == 2 && segs[1] == "comments" && method == http.MethodPost:
		return EndpointPostComment
	case len(segs) == 2 && segs[1] == "comments":
		return EndpointComments
	case len(segs) == 1:
		return EndpointNode
	}
	return method + " /" + strings.Join(segs, "/")
}

func (s *Server) isPage(id string) bool { return id == s.opts.PageID || id == "me" }

func (s *Server) routeLocked(rc *reqCtx, segs []string) (*response, *errorResponse) {
	if resp, eresp, ok := s.routeInstagramLocked(rc, segs); ok {
		return resp, eresp
	}
	get, post := rc.r.Method == http.MethodGet, rc.r.Method == http.MethodPost
	switch {
	case get && len(segs) == 1 && segs[0] == "me":
		return s.me(rc)
	case get && len(segs) == 2 && segs[0] == "me" && segs[1] == "permissions":
		data := []map[string]string{}
		for _, p := range s.opts.Permissions {
			data = append(data, map[string]string{"permission": p, "status": "granted"})
		}
		return &response{body: map[string]any{"data": data}, bucType: "pages"}, nil
	case len(segs) == 2 && s.isPage(segs[0]):
		switch {
		case get && segs[1] == "conversations":
			return s.listConversations(rc)
		case get && segs[1] == "feed":
			return s.listFeed(rc, false)
		case get && segs[1] == "tagged":
			return s.listFeed(rc, true)
		case post && segs[1] == "messages":
			return s.send(rc)
		}
	case len(segs) == 2 && segs[1] == "messages" && get:
		c, ok := s.convs[segs[0]]
		if !ok {
			return nil, errNoObject(rc.r.Method, segs[0])
		}
		fs, err := parseFields(rc.form.Get("fields"))
		if err != nil {
			return nil, errParam("Syntax error in fields: " + err.Error())
		}
		body, eresp := s.messagesEdge(rc, c, defaultFields(fs, "id,created_time"), "/"+c.id+"/messages", rc.form)
		if eresp != nil {
			return nil, eresp
		}
		return &response{body: body, bucType: "messenger"}, nil
	case len(segs) == 2 && segs[1] == "comments" && get:
		return s.listComments(rc, segs[0])
	case len(segs) == 2 && segs[1] == "comments" && post:
		return s.postComment(rc, segs[0])
	case len(segs) == 1 && get:
		return s.node(rc, segs[0])
	}
	return nil, newError(http.StatusBadRequest, 100, 0, "GraphMethodException",
		fmt.Sprintf("Unsupported %s request. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", strings.ToLower(rc.r.Method)))
}

func (s *Server) me(rc *reqCtx) (*response, *errorResponse) {
	fs, err := parseFields(rc.form.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	out := map[string]any{}
	for _, f := range defaultFields(fs, "id,name") {
		switch f.name {
		case "id":
			out["id"] = s.opts.TokenOwnerID
		case "name":
			out["name"] = s.opts.TokenOwnerName
		default:
			return nil, errNoField(f.name, "Page")
		}
	}
	return &response{body: out, bucType: "pages"}, nil
}

func errNoField(name, node string) *errorResponse {
	return errParam(fmt.Sprintf("Tried accessing nonexisting field (%s) on node type (%s)", name, node))
}

// ---- paging ----

// position is an element's place in a sorted list: its sort time and id.
type position struct {
	t  int64
	id string
}

func encodeCursor(p position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.t, 10) + ":" + p.id))
}

func decodeCursor(c string) (position, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return position{}, false
	}
	ts, id, ok := strings.Cut(string(b), ":")
	if !ok {
		return position{}, false
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	return position{t, id}, err == nil
}

// pageOf cuts one page out of a sorted list. desc says the list's order.
// It returns the page, its cursors and whether more follows.
func pageOf(pos []position, desc bool, limit int, after string) (from, to int, cursors map[string]string, more bool, eresp *errorResponse) {
	if limit <= 0 {
		limit = defaultLimit
	}
	if limit > maxLimit {
		limit = maxLimit
	}
	start := 0
	if after != "" {
		c, ok := decodeCursor(after)
		if !ok {
			return 0, 0, nil, false, errParam("Invalid cursor")
		}
		start = len(pos)
		for i, p := range pos {
			var past bool
			if desc {
				past = p.t < c.t || (p.t == c.t && p.id < c.id)
			} else {
				past = p.t > c.t || (p.t == c.t && p.id > c.id)
			}
			if past {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(pos))
	if start < end {
		cursors = map[string]string{"before": encodeCursor(pos[start]), "after": encodeCursor(pos[end-1])}
	}
	return start, end, cursors, end < len(pos), nil
}

func limitOf(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		return defaultLimit
	}
	return n
}

// nextURL builds the absolute paging.next link: the same request with the
// after cursor. Like Graph, it carries access_token.
func (s *Server) nextURL(rc *reqCtx, path string, q url.Values, after string) string {
	base := s.baseURL
	if base == "" {
		scheme := "http"
		if rc.r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + rc.r.Host + "/"
	}
	nq := url.Values{}
	for k, v := range q {
		if k == "after" || k == "before" || k == "appsecret_proof" || k == "format" {
			continue
		}
		nq[k] = v
	}
	nq.Set("after", after)
	nq.Set("access_token", rc.token)
	path = strings.TrimPrefix(path, "/")
	if first, rest, ok := strings.Cut(path, "/"); ok && versionRe.MatchString(first) {
		path = rest
	}
	return base + rc.version + path + "?" + nq.Encode()
}

func (s *Server) pagingBody(rc *reqCtx, data []map[string]any, cursors map[string]string, more bool, path string, q url.Values) map[string]any {
	out := map[string]any{"data": data}
	if cursors != nil {
		paging := map[string]any{"cursors": cursors}
		if more {
			paging["next"] = s.nextURL(rc, path, q, cursors["after"])
		}
		out["paging"] = paging
	}
	return out
}

// edgeQuery turns an expanded field's modifiers into the query its
// paging.next link uses.
func edgeQuery(f field) url.Values {
	q := url.Values{}
	for k, v := range f.mods {
		q.Set(k, v)
	}
	if f.sub != nil {
		q.Set("fields", f.raw)
	}
	return q
}

// ---- conversations and messages ----

func (s *Server) listConversations(rc *reqCtx) (*response, *errorResponse) {
	if p := rc.form.Get("platform"); p != "" && p != "messenger" {
		return &response{body: map[string]any{"data": []any{}}, bucType: "messenger"}, nil
	}
	fs, err := parseFields(rc.form.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	fields := defaultFields(fs, "id,link,updated_time")
	convs := s.convListLocked(rc.form.Get("user_id"))
	pos := make([]position, len(convs))
	for i, c := range convs {
		pos[i] = position{c.updated.UnixNano(), c.id}
	}
	from, to, cursors, more, eresp := pageOf(pos, true, limitOf(rc.form.Get("limit")), rc.form.Get("after"))
	if eresp != nil {
		return nil, eresp
	}
	data := []map[string]any{}
	for _, c := range convs[from:to] {
		o := map[string]any{}
		for _, f := range fields {
			switch f.name {
			case "id":
				o["id"] = c.id
			case "updated_time":
				o["updated_time"] = c.updated.Format(timeLayout)
			case "link":
				o["link"] = "/" + s.opts.PageName + "/inbox/" + c.id
			case "message_count":
				o["message_count"] = len(s.messagesOfLocked(c.id))
			case "participants":
				o["participants"] = map[string]any{"data": []any{s.person(c.user), s.person(s.Page())}}
			case "messages":
				sub := fieldSet(f.sub)
				if sub == nil {
					sub = defaultFields(nil, "id,created_time")
				}
				body, e := s.messagesEdge(rc, c, sub, "/"+c.id+"/messages", edgeQuery(f))
				if e != nil {
					return nil, e
				}
				o["messages"] = body
			default:
				return nil, errNoField(f.name, "Conversation")
			}
		}
		data = append(data, o)
	}
	return &response{body: s.pagingBody(rc, data, cursors, more, rc.r.URL.Path, rc.form), bucType: "messenger"}, nil
}

func (s *Server) person(a Actor) map[string]any {
	return map[string]any{"name": a.Name, "email": a.ID + "@facebook.com", "id": a.ID}
}

func (s *Server) messagesEdge(rc *reqCtx, c *conversation, fields fieldSet, path string, q url.Values) (map[string]any, *errorResponse) {
	msgs := s.messagesOfLocked(c.id)
	pos := make([]position, len(msgs))
	for i, m := range msgs {
		pos[i] = position{m.created.UnixNano(), m.id}
	}
	from, to, cursors, more, eresp := pageOf(pos, true, limitOf(q.Get("limit")), q.Get("after"))
	if eresp != nil {
		return nil, eresp
	}
	data := []map[string]any{}
	for _, m := range msgs[from:to] {
		o, e := s.renderMessage(m, fields)
		if e != nil {
			return nil, e
		}
		data = append(data, o)
	}
	return s.pagingBody(rc, data, cursors, more, path, q), nil
}

func (s *Server) renderMessage(m *message, fields fieldSet) (map[string]any, *errorResponse) {
	o := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			o["id"] = m.id
		case "message":
			o["message"] = m.text
		case "created_time":
			o["created_time"] = m.created.Format(timeLayout)
		case "from":
			o["from"] = s.person(m.from)
		case "to":
			o["to"] = map[string]any{"data": []any{s.person(m.to)}}
		case "attachments":
			if len(m.attachments) == 0 {
				continue
			}
			var data []any
			for i, a := range m.attachments {
				att := map[string]any{"id": fmt.Sprintf("%s_att%d", m.id, i), "name": "attachment", "size": 1024}
				switch a.Type {
				case "image":
					att["mime_type"] = "image/jpeg"
					att["image_data"] = map[string]any{"url": a.URL, "preview_url": a.URL, "width": 640, "height": 480, "max_width": 640, "max_height": 480}
				case "video":
					att["mime_type"] = "video/mp4"
					att["video_data"] = map[string]any{"url": a.URL, "preview_url": a.URL, "width": 640, "height": 480}
				default:
					att["mime_type"] = "application/pdf"
					att["file_url"] = a.URL
				}
				data = append(data, att)
			}
			o["attachments"] = map[string]any{"data": data}
		default:
			return nil, errNoField(f.name, "Message")
		}
	}
	return o, nil
}

// ---- feed, tagged, comments ----

func parseGraphTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{timeLayout, time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (s *Server) listFeed(rc *reqCtx, tagged bool) (*response, *errorResponse) {
	fs, err := parseFields(rc.form.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	fields := defaultFields(fs, "id,message,created_time")
	since, hasSince := parseGraphTime(rc.form.Get("since"))
	until, hasUntil := parseGraphTime(rc.form.Get("until"))
	var posts []*post
	for _, p := range s.feedLocked(tagged) {
		key := p.updated
		if tagged {
			key = p.created
		}
		if hasSince && key.Before(since) {
			break // feedLocked lists newest first by this key: every later one is older too
		}
		if hasUntil && key.After(until) {
			continue
		}
		posts = append(posts, p)
	}
	pos := make([]position, len(posts))
	for i, p := range posts {
		t := p.updated
		if tagged {
			t = p.created
		}
		pos[i] = position{t.UnixNano(), p.id}
	}
	from, to, cursors, more, eresp := pageOf(pos, true, limitOf(rc.form.Get("limit")), rc.form.Get("after"))
	if eresp != nil {
		return nil, eresp
	}
	data := []map[string]any{}
	for _, p := range posts[from:to] {
		o, e := s.renderPost(rc, p, fields)
		if e != nil {
			return nil, e
		}
		data = append(data, o)
	}
	return &response{body: s.pagingBody(rc, data, cursors, more, rc.r.URL.Path, rc.form), bucType: "pages"}, nil
}

func (s *Server) renderPost(rc *reqCtx, p *post, fields fieldSet) (map[string]any, *errorResponse) {
	o := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			o["id"] = p.id
		case "message":
			if p.message != "" {
				o["message"] = p.message
			}
		case "created_time":
			o["created_time"] = p.created.Format(timeLayout)
		case "updated_time":
			o["updated_time"] = p.updated.Format(timeLayout)
		case "tagged_time":
			o["tagged_time"] = p.created.Format(timeLayout)
		case "from":
			o["from"] = map[string]any{"name": p.from.Name, "id": p.from.ID}
		case "to":
			o["to"] = map[string]any{"data": []any{map[string]any{"id": s.opts.PageID, "name": s.opts.PageName}}}
		case "permalink_url":
			o["permalink_url"] = p.permalink
		case "comments":
			sub := fieldSet(f.sub)
			if sub == nil {
				sub = defaultFields(nil, "created_time,from,message,id")
			}
			body, e := s.commentsEdge(rc, p.id, sub, edgeQuery(f))
			if e != nil {
				return nil, e
			}
			o["comments"] = body
		default:
			return nil, errNoField(f.name, "Post")
		}
	}
	return o, nil
}

func (s *Server) listComments(rc *reqCtx, objectID string) (*response, *errorResponse) {
	if _, ok := s.posts[objectID]; !ok {
		if _, ok := s.comments[objectID]; !ok {
			return nil, errNoObject(rc.r.Method, objectID)
		}
	}
	fs, err := parseFields(rc.form.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	body, eresp := s.commentsEdge(rc, objectID, defaultFields(fs, "created_time,from,message,id"), rc.form)
	if eresp != nil {
		return nil, eresp
	}
	return &response{body: body, bucType: "pages"}, nil
}

// commentsEdge renders /{object-id}/comments with Graph's filter
// (toplevel|stream) and order (chronological|reverse_chronological).
func (s *Server) commentsEdge(rc *reqCtx, objectID string, fields fieldSet, q url.Values) (map[string]any, *errorResponse) {
	filter, order := q.Get("filter"), q.Get("order")
	if filter != "" && filter != "toplevel" && filter != "stream" {
		return nil, errParam("filter must be one of the following values: toplevel, stream")
	}
	if order != "" && order != "chronological" && order != "reverse_chronological" {
		return nil, errParam("order must be one of the following values: chronological, reverse_chronological")
	}
	list := s.commentsOfLocked(objectID, filter == "stream")
	desc := order == "reverse_chronological"
	if desc {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	pos := make([]position, len(list))
	for i, c := range list {
		pos[i] = position{c.created.UnixNano(), c.id}
	}
	from, to, cursors, more, eresp := pageOf(pos, desc, limitOf(q.Get("limit")), q.Get("after"))
	if eresp != nil {
		return nil, eresp
	}
	data := []map[string]any{}
	for _, c := range list[from:to] {
		o, e := s.renderComment(rc, c, fields)
		if e != nil {
			return nil, e
		}
		data = append(data, o)
	}
	return s.pagingBody(rc, data, cursors, more, "/"+objectID+"/comments", q), nil
}

func (s *Server) renderComment(rc *reqCtx, c *comment, fields fieldSet) (map[string]any, *errorResponse) {
	o := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			o["id"] = c.id
		case "message":
			o["message"] = c.message
		case "created_time":
			o["created_time"] = c.created.Format(timeLayout)
		case "from":
			o["from"] = map[string]any{"name": c.from.Name, "id": c.from.ID}
		case "permalink_url":
			p := s.posts[c.postID]
			o["permalink_url"] = p.permalink + "?comment_id=" + postNumber(c.id)
		case "parent":
			if c.parentID == "" {
				continue
			}
			parent := s.comments[c.parentID]
			sub := fieldSet(f.sub)
			if sub == nil {
				sub = defaultFields(nil, "created_time,from,message,id")
			}
			po, e := s.renderComment(rc, parent, sub)
			if e != nil {
				return nil, e
			}
			o["parent"] = po
		case "attachment":
			if c.attachment == nil {
				continue
			}
			a := c.attachment
			typ := a.Type
			if typ == "image" {
				typ = "photo"
			}
			o["attachment"] = map[string]any{
				"type": typ, "url": a.URL,
				"media":  map[string]any{"image": map[string]any{"src": a.URL, "width": 640, "height": 480}},
				"target": map[string]any{"id": c.id, "url": a.URL},
			}
		case "comment_count":
			o["comment_count"] = len(s.commentsOfLocked(c.id, false))
		case "comments":
			sub := fieldSet(f.sub)
			if sub == nil {
				sub = defaultFields(nil, "created_time,from,message,id")
			}
			body, e := s.commentsEdge(rc, c.id, sub, edgeQuery(f))
			if e != nil {
				return nil, e
			}
			o["comments"] = body
		default:
			return nil, errNoField(f.name, "Comment")
		}
	}
	return o, nil
}

func (s *Server) node(rc *reqCtx, id string) (*response, *errorResponse) {
	fs, err := parseFields(rc.form.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	if s.isPage(id) {
		return s.me(rc)
	}
	if p, ok := s.posts[id]; ok {
		o, e := s.renderPost(rc, p, defaultFields(fs, "id,message,created_time"))
		if e != nil {
			return nil, e
		}
		return &response{body: o, bucType: "pages"}, nil
	}
	if c, ok := s.comments[id]; ok {
		o, e := s.renderComment(rc, c, defaultFields(fs, "created_time,from,message,id"))
		if e != nil {
			return nil, e
		}
		return &response{body: o, bucType: "pages"}, nil
	}
	if m, ok := s.messages[id]; ok {
		o, e := s.renderMessage(m, defaultFields(fs, "id,created_time"))
		if e != nil {
			return nil, e
		}
		return &response{body: o, bucType: "messenger"}, nil
	}
	return nil, errNoObject(rc.r.Method, id)
}

// ---- publishing ----

func (s *Server) postComment(rc *reqCtx, objectID string) (*response, *errorResponse) {
	text := rc.form.Get("message")
	if strings.TrimSpace(text) == "" {
		return nil, errParam("The parameter message is required")
	}
	var postID, parentID string
	if p, ok := s.posts[objectID]; ok {
		postID = p.id
	} else if c, ok := s.comments[objectID]; ok {
		postID, parentID = c.postID, objectID
	} else {
		return nil, errNoObject(rc.r.Method, objectID)
	}
	id, err := s.addCommentLocked(postID, parentID, s.Page(), text, rc.now, nil)
	if err != nil {
		return nil, errNoObject(rc.r.Method, objectID)
	}
	s.replies = append(s.replies, Reply{ID: id, Kind: "comment", TargetID: objectID, Text: text, CreatedTime: rc.now})
	return &response{body: map[string]any{"id": id}, bucType: "pages"}, nil
}

func (s *Server) send(rc *reqCtx) (*response, *errorResponse) {
	var recipient struct {
		ID        string `json:"id"`
		CommentID string `json:"comment_id"`
		PostID    string `json:"post_id"`
	}
	if err := json.Unmarshal([]byte(rc.form.Get("recipient")), &recipient); err != nil {
		return nil, errParam("param recipient must be a JSON object")
	}
	var msg struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(rc.form.Get("message")), &msg); err != nil || msg.Text == "" {
		return nil, errParam("param message must be non-empty UTF-8 encoded string")
	}
	if len([]rune(msg.Text)) > 2000 {
		return nil, errParam("Length of param message[text] must be less than or equal to 2000")
	}
	mtype, tag := rc.form.Get("messaging_type"), rc.form.Get("tag")
	outside := func() *errorResponse {
		return newError(http.StatusBadRequest, 10, 2018278, "OAuthException", "(#10) This message is sent outside of allowed window.")
	}

	var conv *conversation
	reply := Reply{Kind: "message", Text: msg.Text, MessagingType: mtype, Tag: tag, CreatedTime: rc.now}
	switch {
	case recipient.CommentID != "" || recipient.PostID != "":
		target := recipient.CommentID
		if target == "" {
			target = recipient.PostID
		}
		var author Actor
		var created time.Time
		if c, ok := s.comments[target]; ok {
			author, created = c.from, c.created
		} else if p, ok := s.posts[target]; ok && !s.isPage(p.from.ID) {
			author, created = p.from, p.created
		} else {
			return nil, errNoObject(rc.r.Method, target)
		}
		if author.ID == s.opts.PageID {
			return nil, newError(http.StatusBadRequest, 100, 0, "OAuthException", "(#100) Cannot send private reply message to another Page")
		}
		// The Send API's private-reply path answers every "cannot reply
		// privately to this comment" the same way: already replied
		// privately, older than 7 days, or not allowed for this comment.
		if s.privateReplied[target] || rc.now.Sub(created) > 7*dayLen {
			return nil, newError(http.StatusBadRequest, 100, subcodeInvalidCommentID, "OAuthException", "(#100) Invalid comment_id parameter")
		}
		s.privateReplied[target] = true
		conv = s.conversationLocked(author)
		reply.CommentID = target
	case recipient.ID != "":
		id, ok := s.convByUser[recipient.ID]
		if !ok {
			return nil, newError(http.StatusBadRequest, 551, 1545041, "OAuthException", "(#551) This person isn't available right now.")
		}
		conv = s.convs[id]
		var last time.Time
		for _, m := range s.messagesOfLocked(conv.id) {
			if m.from.ID == recipient.ID {
				last = m.created
				break
			}
		}
		switch mtype {
		case "RESPONSE", "UPDATE":
			if last.IsZero() || rc.now.Sub(last) > dayLen {
				return nil, outside()
			}
		case "MESSAGE_TAG":
			if tag != "HUMAN_AGENT" {
				return nil, errParam("Invalid tag: only HUMAN_AGENT is enabled for this app")
			}
			if last.IsZero() || rc.now.Sub(last) > 7*dayLen {
				return nil, outside()
			}
		case "":
			return nil, errParam("The parameter messaging_type is required")
		default:
			return nil, errParam("Invalid messaging_type")
		}
	default:
		return nil, errParam("param recipient must have one of id, comment_id, post_id")
	}
	m := s.addMessageLocked(conv, s.Page(), conv.user, msg.Text, rc.now, nil)
	reply.ID, reply.TargetID, reply.RecipientID = m.id, conv.id, conv.user.ID
	s.replies = append(s.replies, reply)
	return &response{body: map[string]any{"recipient_id": conv.user.ID, "message_id": m.id}, bucType: "messenger"}, nil
}
