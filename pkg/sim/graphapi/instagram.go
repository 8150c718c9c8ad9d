package graphapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The Instagram part of the fake: the Instagram professional account
// linked to the Page (Instagram API with Facebook Login, the same Page
// token), as connectors/instagram uses it:
//
//	GET  /{page-id}?fields=instagram_business_account{id,username}
//	GET  /{ig-user-id}/media?fields=id,timestamp,permalink,comments.limit(n){...,replies.limit(n){...}}
//	GET  /{ig-media-id}/comments, /{ig-comment-id}/replies
//	POST /{ig-comment-id}/replies?message=...           → {"id": ...}
//	GET  /{page-id}/conversations?platform=instagram     (messages with from/to {id, username})
//	POST /{page-id}/messages  recipient {id: IGSID} or {comment_id}
//
// Shapes follow Meta's Instagram Platform reference examples: comments
// {id, text, timestamp, from{id,username}, username, parent_id}, media
// {id, timestamp, permalink}, the Send API's {recipient_id, message_id}.
// Media are listed newest first by their own timestamp, comments newest
// first, replies oldest first (as a thread reads).

// IGPermissions are what the fake grants for Instagram besides the Page's.
var IGPermissions = []string{"instagram_basic", "instagram_manage_comments", "instagram_manage_messages"}

// IGUser is an Instagram user as the fake knows them: an Instagram-scoped
// id and a username.
type IGUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

type igMedia struct {
	id, caption, permalink string
	created                time.Time
}

type igComment struct {
	id, mediaID, parentID string
	from                  IGUser
	text                  string
	created               time.Time
}

type igConv struct {
	id      string
	user    IGUser
	updated time.Time
}

type igMessage struct {
	id, convID string
	from, to   IGUser
	text       string
	created    time.Time
}

// igState is the Instagram account's data.
type igState struct {
	media          []*igMedia // ascending (created, id)
	mediaByID      map[string]*igMedia
	comments       map[string]*igComment
	mediaComments  map[string][]*igComment // top-level, ascending
	commentReplies map[string][]*igComment // ascending
	convs          map[string]*igConv
	convByUser     map[string]string
	convMessages   map[string][]*igMessage // ascending
	privateReplied map[string]bool
}

func newIGState() igState {
	return igState{mediaByID: map[string]*igMedia{}, comments: map[string]*igComment{}, mediaComments: map[string][]*igComment{},
		commentReplies: map[string][]*igComment{}, convs: map[string]*igConv{}, convByUser: map[string]string{},
		convMessages: map[string][]*igMessage{}, privateReplied: map[string]bool{}}
}

// IGAccount is the Instagram professional account, as an IGUser.
func (s *Server) IGAccount() IGUser { return IGUser{ID: s.opts.IGUserID, Username: s.opts.IGUsername} }

// AddIGMedia publishes a post on the Instagram account and returns its id.
func (s *Server) AddIGMedia(caption string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nextID()
	m := &igMedia{id: "1789" + n, caption: caption, created: at.UTC(), permalink: "https://www.instagram.com/p/" + n + "/"}
	s.ig.mediaByID[m.id] = m
	s.ig.media = insertOrdered(s.ig.media, m, func(m *igMedia) (time.Time, string) { return m.created, m.id })
	return m.id
}

// AddIGComment adds a comment by from on a media, or a reply when parentID
// names a comment (a reply to a reply joins the top-level comment).
func (s *Server) AddIGComment(mediaID, parentID string, from IGUser, text string, at time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addIGCommentLocked(mediaID, parentID, from, text, at)
}

func (s *Server) addIGCommentLocked(mediaID, parentID string, from IGUser, text string, at time.Time) (string, error) {
	if _, ok := s.ig.mediaByID[mediaID]; !ok {
		return "", fmt.Errorf("no Instagram media %s", mediaID)
	}
	if parentID != "" {
		p, ok := s.ig.comments[parentID]
		if !ok {
			return "", fmt.Errorf("no Instagram comment %s", parentID)
		}
		if p.parentID != "" {
			parentID = p.parentID
		}
	}
	c := &igComment{id: "1787" + s.nextID(), mediaID: mediaID, parentID: parentID, from: from, text: text, created: at.UTC()}
	s.ig.comments[c.id] = c
	key := func(c *igComment) (time.Time, string) { return c.created, c.id }
	if parentID == "" {
		s.ig.mediaComments[mediaID] = insertOrdered(s.ig.mediaComments[mediaID], c, key)
	} else {
		s.ig.commentReplies[parentID] = insertOrdered(s.ig.commentReplies[parentID], c, key)
	}
	return c.id, nil
}

// AddIGMessage adds a DM from an Instagram user to the account.
func (s *Server) AddIGMessage(from IGUser, text string, at time.Time) (convID, msgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.igConvLocked(from)
	m := s.addIGMessageLocked(c, from, s.IGAccount(), text, at)
	return c.id, m.id
}

func (s *Server) igConvLocked(user IGUser) *igConv {
	if id, ok := s.ig.convByUser[user.ID]; ok {
		return s.ig.convs[id]
	}
	c := &igConv{id: "aWdfZAG06" + s.nextID(), user: user}
	s.ig.convs[c.id] = c
	s.ig.convByUser[user.ID] = c.id
	return c
}

func (s *Server) addIGMessageLocked(c *igConv, from, to IGUser, text string, at time.Time) *igMessage {
	m := &igMessage{id: "aWdGGiblWZ" + s.nextID(), convID: c.id, from: from, to: to, text: text, created: at.UTC()}
	s.ig.convMessages[c.id] = insertOrdered(s.ig.convMessages[c.id], m, func(m *igMessage) (time.Time, string) { return m.created, m.id })
	if m.created.After(c.updated) {
		c.updated = m.created
	}
	return m
}

// routeInstagramLocked serves the Instagram endpoints; ok is false for a
// request that is not Instagram's.
func (s *Server) routeInstagramLocked(rc *reqCtx, segs []string) (resp *response, eresp *errorResponse, ok bool) {
	if s.opts.IGUserID == "" {
		return nil, nil, false
	}
	get, post := rc.r.Method == http.MethodGet, rc.r.Method == http.MethodPost
	switch {
	case get && len(segs) == 1 && s.isPage(segs[0]) && strings.Contains(rc.form.Get("fields"), "instagram_business_account"):
		o := map[string]any{"id": s.opts.PageID, "name": s.opts.PageName,
			"instagram_business_account": map[string]any{"id": s.opts.IGUserID, "username": s.opts.IGUsername}}
		return &response{body: o, bucType: "pages"}, nil, true
	case get && len(segs) == 2 && segs[0] == s.opts.IGUserID && segs[1] == "media":
		resp, eresp = s.igListMedia(rc)
		return resp, eresp, true
	case get && len(segs) == 2 && segs[1] == "comments" && s.ig.mediaByID[segs[0]] != nil:
		resp, eresp = s.igEdge(rc, segs[0], "comments", rc.form.Get("fields"), rc.form)
		return resp, eresp, true
	case get && len(segs) == 2 && segs[1] == "replies" && s.ig.comments[segs[0]] != nil:
		resp, eresp = s.igEdge(rc, segs[0], "replies", rc.form.Get("fields"), rc.form)
		return resp, eresp, true
	case post && len(segs) == 2 && segs[1] == "replies":
		resp, eresp = s.igReply(rc, segs[0])
		return resp, eresp, true
	case get && len(segs) == 2 && s.isPage(segs[0]) && segs[1] == "conversations" && rc.form.Get("platform") == "instagram":
		resp, eresp = s.igConversations(rc)
		return resp, eresp, true
	case post && len(segs) == 2 && s.isPage(segs[0]) && segs[1] == "messages" && s.igRecipient(rc):
		resp, eresp = s.igSend(rc)
		return resp, eresp, true
	}
	return nil, nil, false
}

func (s *Server) igListMedia(rc *reqCtx) (*response, *errorResponse) {
	fs, err := parseFields(rc.form.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	list := newestFirst(s.ig.media)
	pos := make([]position, len(list))
	for i, m := range list {
		pos[i] = position{m.created.UnixNano(), m.id}
	}
	from, to, cursors, more, eresp := pageOf(pos, true, limitOf(rc.form.Get("limit")), rc.form.Get("after"))
	if eresp != nil {
		return nil, eresp
	}
	data := []map[string]any{}
	for _, m := range list[from:to] {
		o := map[string]any{}
		for _, f := range defaultFields(fs, "id") {
			switch f.name {
			case "id":
				o["id"] = m.id
			case "timestamp":
				o["timestamp"] = m.created.Format(timeLayout)
			case "permalink":
				o["permalink"] = m.permalink
			case "caption":
				o["caption"] = m.caption
			case "comments_count":
				o["comments_count"] = len(s.ig.mediaComments[m.id])
			case "comments":
				body, e := s.igEdgeBody(rc, m.id, "comments", f.raw, edgeQuery(f))
				if e != nil {
					return nil, e
				}
				o["comments"] = body
			default:
				return nil, errNoField(f.name, "IGMedia")
			}
		}
		data = append(data, o)
	}
	return &response{body: s.pagingBody(rc, data, cursors, more, rc.r.URL.Path, rc.form), bucType: "instagram"}, nil
}

func (s *Server) igEdge(rc *reqCtx, id, edge, fields string, q map[string][]string) (*response, *errorResponse) {
	body, e := s.igEdgeBody(rc, id, edge, fields, q)
	if e != nil {
		return nil, e
	}
	return &response{body: body, bucType: "instagram"}, nil
}

// igEdgeBody renders a media's comments (newest first) or a comment's
// replies (oldest first).
func (s *Server) igEdgeBody(rc *reqCtx, id, edge, fields string, q map[string][]string) (map[string]any, *errorResponse) {
	fs, err := parseFields(fields)
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	fset := defaultFields(fs, "id,text,timestamp")
	list := s.ig.commentReplies[id]
	desc := false
	if edge == "comments" {
		list, desc = newestFirst(s.ig.mediaComments[id]), true
	}
	pos := make([]position, len(list))
	for i, c := range list {
		pos[i] = position{c.created.UnixNano(), c.id}
	}
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	from, to, cursors, more, eresp := pageOf(pos, desc, limitOf(get("limit")), get("after"))
	if eresp != nil {
		return nil, eresp
	}
	data := []map[string]any{}
	for _, c := range list[from:to] {
		o := map[string]any{}
		for _, f := range fset {
			switch f.name {
			case "id":
				o["id"] = c.id
			case "text":
				o["text"] = c.text
			case "timestamp":
				o["timestamp"] = c.created.Format(timeLayout)
			case "from":
				o["from"] = map[string]any{"id": c.from.ID, "username": c.from.Username}
			case "username":
				o["username"] = c.from.Username
			case "parent_id":
				if c.parentID != "" {
					o["parent_id"] = c.parentID
				}
			case "media":
				o["media"] = map[string]any{"id": c.mediaID}
			case "replies":
				if c.parentID != "" {
					continue
				}
				body, e := s.igEdgeBody(rc, c.id, "replies", f.raw, edgeQuery(f))
				if e != nil {
					return nil, e
				}
				o["replies"] = body
			default:
				return nil, errNoField(f.name, "IGComment")
			}
		}
		data = append(data, o)
	}
	return s.pagingBody(rc, data, cursors, more, "/"+id+"/"+edge, q), nil
}

func (s *Server) igReply(rc *reqCtx, commentID string) (*response, *errorResponse) {
	c, ok := s.ig.comments[commentID]
	if !ok {
		return nil, errNoObject(rc.r.Method, commentID)
	}
	text := rc.form.Get("message")
	if strings.TrimSpace(text) == "" {
		return nil, errParam("The parameter message is required")
	}
	if c.parentID != "" {
		return nil, errParam("(#100) You can only reply to top-level comments")
	}
	id, err := s.addIGCommentLocked(c.mediaID, commentID, s.IGAccount(), text, rc.now)
	if err != nil {
		return nil, errNoObject(rc.r.Method, commentID)
	}
	s.replies = append(s.replies, Reply{ID: id, Kind: "instagram_comment", TargetID: commentID, Text: text, CreatedTime: rc.now})
	return &response{body: map[string]any{"id": id}, bucType: "instagram"}, nil
}

func (s *Server) igConversations(rc *reqCtx) (*response, *errorResponse) {
	fs, err := parseFields(rc.form.Get("fields"))
	if err != nil {
		return nil, errParam("Syntax error in fields: " + err.Error())
	}
	var convs []*igConv
	for _, c := range s.ig.convs {
		if u := rc.form.Get("user_id"); u == "" || c.user.ID == u {
			convs = append(convs, c)
		}
	}
	// Newest-updated first.
	for i := 1; i < len(convs); i++ {
		for j := i; j > 0 && (convs[j].updated.After(convs[j-1].updated) || convs[j].updated.Equal(convs[j-1].updated) && convs[j].id > convs[j-1].id); j-- {
			convs[j], convs[j-1] = convs[j-1], convs[j]
		}
	}
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
		for _, f := range defaultFields(fs, "id,updated_time") {
			switch f.name {
			case "id":
				o["id"] = c.id
			case "updated_time":
				o["updated_time"] = c.updated.Format(timeLayout)
			case "messages":
				msgs := newestFirst(s.ig.convMessages[c.id])
				mq := edgeQuery(f)
				mpos := make([]position, len(msgs))
				for i, m := range msgs {
					mpos[i] = position{m.created.UnixNano(), m.id}
				}
				mf, mt, mc, mm, e := pageOf(mpos, true, limitOf(mq.Get("limit")), mq.Get("after"))
				if e != nil {
					return nil, e
				}
				mdata := []map[string]any{}
				for _, m := range msgs[mf:mt] {
					mdata = append(mdata, map[string]any{"id": m.id, "created_time": m.created.Format(timeLayout), "message": m.text,
						"from": m.from, "to": map[string]any{"data": []IGUser{m.to}}})
				}
				o["messages"] = s.pagingBody(rc, mdata, mc, mm, "/"+c.id+"/messages", mq)
			default:
				return nil, errNoField(f.name, "Conversation")
			}
		}
		data = append(data, o)
	}
	return &response{body: s.pagingBody(rc, data, cursors, more, rc.r.URL.Path, rc.form), bucType: "instagram"}, nil
}

type igRecipient struct {
	ID        string `json:"id"`
	CommentID string `json:"comment_id"`
}

// igRecipient reports whether a Send API call addresses an Instagram user
// or comment.
func (s *Server) igRecipient(rc *reqCtx) bool {
	var r igRecipient
	if json.Unmarshal([]byte(rc.form.Get("recipient")), &r) != nil {
		return false
	}
	_, user := s.ig.convByUser[r.ID]
	_, comment := s.ig.comments[r.CommentID]
	return user || comment
}

func (s *Server) igSend(rc *reqCtx) (*response, *errorResponse) {
	var r igRecipient
	_ = json.Unmarshal([]byte(rc.form.Get("recipient")), &r)
	var msg struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(rc.form.Get("message")), &msg); err != nil || msg.Text == "" {
		return nil, errParam("param message must be non-empty UTF-8 encoded string")
	}
	if len(msg.Text) > 1000 {
		return nil, errParam("(#100) Length of param message[text] must be less than 1000 bytes")
	}
	outside := newError(http.StatusBadRequest, 10, 2534022, "OAuthException", "(#10) This message is sent outside of allowed window.")
	reply := Reply{Kind: "instagram_message", Text: msg.Text, MessagingType: rc.form.Get("messaging_type"), Tag: rc.form.Get("tag"), CreatedTime: rc.now}
	var conv *igConv
	if r.CommentID != "" {
		c := s.ig.comments[r.CommentID]
		if s.ig.privateReplied[c.id] || rc.now.Sub(c.created) > 7*dayLen {
			return nil, newError(http.StatusBadRequest, 100, subcodeInvalidCommentID, "OAuthException", "(#100) Invalid comment_id parameter")
		}
		s.ig.privateReplied[c.id] = true
		conv = s.igConvLocked(c.from)
		reply.CommentID = c.id
	} else {
		conv = s.ig.convs[s.ig.convByUser[r.ID]]
		var last time.Time
		for _, m := range newestFirst(s.ig.convMessages[conv.id]) {
			if m.from.ID == r.ID {
				last = m.created
				break
			}
		}
		limit := dayLen
		if reply.MessagingType == "MESSAGE_TAG" && reply.Tag == "HUMAN_AGENT" {
			limit = 7 * dayLen
		}
		if last.IsZero() || rc.now.Sub(last) > limit {
			return nil, outside
		}
	}
	m := s.addIGMessageLocked(conv, s.IGAccount(), conv.user, msg.Text, rc.now)
	reply.ID, reply.TargetID, reply.RecipientID = m.id, conv.id, conv.user.ID
	s.replies = append(s.replies, reply)
	return &response{body: map[string]any{"recipient_id": conv.user.ID, "message_id": m.id}, bucType: "instagram"}, nil
}
