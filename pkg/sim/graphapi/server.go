// Package graphapi is an in-process fake of the parts of Meta's Graph API
// that inboxd's Facebook connector uses: a Page's Messenger conversations,
// its feed with comments, the posts that tag it, comment replies, the Send
// API (including private replies to comments), /me and /me/permissions.
//
// It answers in Graph's documented shapes: `data` lists with
// `paging.cursors` and an absolute `paging.next` pointing back at the fake,
// times as 2006-01-02T15:04:05+0000, ids in Graph's formats (posts
// "{page-id}_{post-id}", comments "{post-id}_{comment-id}", conversations
// "t_…", messages "m_…"), error envelopes {error{message,type,code,
// error_subcode,fbtrace_id}} with Graph's HTTP statuses, and the
// X-App-Usage and X-Business-Use-Case-Usage headers on every response.
//
// It checks the bearer token and, when an app secret is configured, the
// appsecret_proof parameter. Tests, `inboxd demo` and load runs drive it
// concurrently through its methods (AddPost, AddComment, AddMessage,
// AddTaggedPost, PageReplies, Requests, Fail...).
//
// Behaviour worth knowing: the feed lists posts newest-updated first and
// `since` filters on updated_time, so a new comment on an old post brings
// the post back to the top of the feed, as a Page's feed does.
package graphapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// Graph's time format.
const timeLayout = "2006-01-02T15:04:05-0700"

// DefaultPermissions are granted to the fake's token unless Options says otherwise.
var DefaultPermissions = []string{
	"pages_messaging", "pages_read_engagement", "pages_read_user_content",
	"pages_manage_engagement", "pages_manage_metadata", "pages_show_list",
}

// Options configures a Server.
type Options struct {
	PageID    string // default "102030405060708"
	PageName  string // default "Pemkab Demo"
	PageToken string // the only token accepted as a Bearer (required)
	// AppSecret, when set, makes appsecret_proof (hex HMAC-SHA256 of the
	// token keyed with the secret) mandatory on every call, as a Meta app
	// with "Require App Secret" does.
	AppSecret string
	// Now is the fake's clock (window rules, usage windows). Default time.Now.
	Now func() time.Time
	// NoLimits turns off the built-in call budget (load runs, demo).
	NoLimits bool
	// CallsPerHour is the call budget behind the usage headers; when spent
	// (and NoLimits is false) calls fail with code 80001. Default 1000.
	CallsPerHour int
	// BaseURL is the absolute URL paging.next links start with, with a
	// trailing slash. It may also be set later with SetBaseURL (httptest
	// only knows its URL after it started). Empty: derived from the request.
	BaseURL string
	// Permissions granted to the token (/me/permissions). Default DefaultPermissions.
	Permissions []string
	// TokenOwnerID / TokenOwnerName: who /me says the token belongs to.
	// Default the Page itself.
	TokenOwnerID, TokenOwnerName string
	// IGUserID and IGUsername, when set, link an Instagram professional
	// account to the Page (instagram.go); its permissions join the default.
	IGUserID, IGUsername string
}

// Actor is a Facebook profile or Page as the fake knows it.
type Actor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Attachment on a message or comment.
type Attachment struct {
	Type string // image, video, file, ...
	URL  string
}

// Reply is something the Page itself posted through the API.
type Reply struct {
	ID            string
	Kind          string // "comment" or "message"
	TargetID      string // object commented on, or conversation id
	CommentID     string // private reply: the comment answered
	RecipientID   string // Messenger recipient PSID
	Text          string
	MessagingType string
	Tag           string
	CreatedTime   time.Time
}

// Request is one call the fake served, as it arrived.
type Request struct {
	Method    string
	Endpoint  string // one of the Endpoint constants
	URL       string // request URI as received (path and query)
	Form      map[string][]string
	HasBearer bool
}

// Endpoint names for counting and fault injection.
const (
	EndpointConversations        = "GET /{page-id}/conversations"
	EndpointConversationMessages = "GET /{conversation-id}/messages"
	EndpointFeed                 = "GET /{page-id}/feed"
	EndpointTagged               = "GET /{page-id}/tagged"
	EndpointComments             = "GET /{object-id}/comments"
	EndpointPostComment          = "POST /{object-id}/comments"
	EndpointSend                 = "POST /{page-id}/messages"
	EndpointMe                   = "GET /me"
	EndpointPermissions          = "GET /me/permissions"
	EndpointNode                 = "GET /{node-id}"
)

type post struct {
	id        string
	from      Actor
	message   string
	created   time.Time
	updated   time.Time
	tagged    bool // a post elsewhere that tags the Page (the /tagged edge)
	permalink string
}

type comment struct {
	id         string
	postID     string
	parentID   string // "" for a top-level comment
	from       Actor
	message    string
	created    time.Time
	attachment *Attachment
}

type conversation struct {
	id      string
	user    Actor
	updated time.Time
}

type message struct {
	id          string
	convID      string
	from, to    Actor
	text        string
	created     time.Time
	attachments []Attachment
}

// Server is the fake Graph API; it is an http.Handler.
type Server struct {
	opts Options

	mu             sync.Mutex
	baseURL        string
	seq            int64
	posts          map[string]*post
	comments       map[string]*comment
	convs          map[string]*conversation
	convByUser     map[string]string
	messages       map[string]*message
	privateReplied map[string]bool
	replies        []Reply
	requests       []Request
	faults         map[string][]*Fault
	windowStart    time.Time
	windowCalls    int
	traceSeq       int

	// Ordered views, kept up to date on every add, so a list request costs
	// a copy of one post's or conversation's entries instead of a scan and
	// sort of everything the fake holds (a load run adds 1,000 messages a
	// second; scanning made the fake, not inboxd, the bottleneck).
	pagePosts      []*post               // the Page's own posts, few: sorted per request (updated_time moves)
	taggedPosts    []*post               // by (created, id), ascending
	postComments   map[string][]*comment // by post, replies included, (created, id) ascending
	commentReplies map[string][]*comment // by top-level comment, (created, id) ascending
	convMessages   map[string][]*message // by conversation, (created, id) ascending

	ig igState // the linked Instagram account (instagram.go)
}

// New returns a fake Graph API serving one Page.
func New(opts Options) *Server {
	if opts.PageID == "" {
		opts.PageID = "102030405060708"
	}
	if opts.PageName == "" {
		opts.PageName = "Pemkab Demo"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CallsPerHour <= 0 {
		opts.CallsPerHour = 1000
	}
	if opts.Permissions == nil {
		opts.Permissions = DefaultPermissions
		if opts.IGUserID != "" {
			opts.Permissions = append(slices.Clone(DefaultPermissions), IGPermissions...)
		}
	}
	if opts.TokenOwnerID == "" {
		opts.TokenOwnerID, opts.TokenOwnerName = opts.PageID, opts.PageName
	}
	return &Server{
		opts:    opts,
		baseURL: opts.BaseURL,
		// Ids start at the start time in microseconds, so a restarted
		// fake (the demo reusing its data folder) never hands out an id an
		// earlier run did: the counter gains one per id, the clock a
		// million a second.
		seq:            opts.Now().UnixMicro(),
		posts:          map[string]*post{},
		comments:       map[string]*comment{},
		convs:          map[string]*conversation{},
		convByUser:     map[string]string{},
		messages:       map[string]*message{},
		privateReplied: map[string]bool{},
		faults:         map[string][]*Fault{},
		postComments:   map[string][]*comment{},
		commentReplies: map[string][]*comment{},
		convMessages:   map[string][]*message{},
		ig:             newIGState(),
	}
}

// insertOrdered adds v to list, kept in ascending (time, id) order. Items
// almost always arrive in time order, so this is an append.
func insertOrdered[T any](list []T, v T, key func(T) (time.Time, string)) []T {
	t, id := key(v)
	i := sort.Search(len(list), func(i int) bool {
		ti, idi := key(list[i])
		return ti.After(t) || ti.Equal(t) && idi > id
	})
	list = append(list, v)
	copy(list[i+1:], list[i:])
	list[i] = v
	return list
}

func postKey(p *post) (time.Time, string)       { return p.created, p.id }
func commentKey(c *comment) (time.Time, string) { return c.created, c.id }
func messageKey(m *message) (time.Time, string) { return m.created, m.id }

// newestFirst returns a reversed copy of an ascending list.
func newestFirst[T any](list []T) []T {
	if len(list) == 0 {
		return nil
	}
	out := make([]T, len(list))
	for i, v := range list {
		out[len(list)-1-i] = v
	}
	return out
}

// SetBaseURL sets the absolute URL (with trailing slash) that paging links
// start with, e.g. httptest.Server.URL + "/".
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baseURL = u
}

// Page returns the Page as an Actor.
func (s *Server) Page() Actor { return Actor{ID: s.opts.PageID, Name: s.opts.PageName} }

// AppsecretProof computes the proof Graph expects for token and secret.
func AppsecretProof(token, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(token))
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) nextID() string {
	s.seq++
	return fmt.Sprintf("%d", s.seq)
}

// AddPost publishes a post on the Page's feed, by from (the zero Actor
// means the Page itself), and returns its id "{page-id}_{post-id}".
func (s *Server) AddPost(from Actor, text string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addPostLocked(from, text, at, false)
}

// AddTaggedPost publishes a post elsewhere (on from's own timeline) that
// tags the Page; it shows on /{page-id}/tagged, not on the feed.
func (s *Server) AddTaggedPost(from Actor, text string, at time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addPostLocked(from, text, at, true)
}

func (s *Server) addPostLocked(from Actor, text string, at time.Time, tagged bool) string {
	if from.ID == "" {
		from = s.Page()
	}
	owner := s.opts.PageID
	if tagged {
		owner = from.ID
	}
	n := s.nextID()
	id := owner + "_" + n
	p := &post{
		id: id, from: from, message: text, created: at.UTC(), updated: at.UTC(), tagged: tagged,
		permalink: "https://www.facebook.com/" + owner + "/posts/" + n + "/",
	}
	s.posts[id] = p
	if tagged {
		s.taggedPosts = insertOrdered(s.taggedPosts, p, postKey)
	} else {
		s.pagePosts = append(s.pagePosts, p)
	}
	return id
}

// AddComment adds a comment by from on a post, or a reply when parentID
// names a comment. Like Facebook, a reply to a reply joins the top-level
// comment's thread, and the post's updated_time moves to at.
func (s *Server) AddComment(postID, parentID string, from Actor, text string, at time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addCommentLocked(postID, parentID, from, text, at, nil)
}

// AddCommentWithAttachment is AddComment with a photo or other attachment.
func (s *Server) AddCommentWithAttachment(postID, parentID string, from Actor, text string, at time.Time, att Attachment) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addCommentLocked(postID, parentID, from, text, at, &att)
}

func (s *Server) addCommentLocked(postID, parentID string, from Actor, text string, at time.Time, att *Attachment) (string, error) {
	p, ok := s.posts[postID]
	if !ok {
		return "", fmt.Errorf("graphapi: no post %q", postID)
	}
	if parentID != "" {
		parent, ok := s.comments[parentID]
		if !ok {
			return "", fmt.Errorf("graphapi: no comment %q", parentID)
		}
		if parent.parentID != "" {
			parentID = parent.parentID
		}
	}
	if from.ID == "" {
		from = s.Page()
	}
	id := postNumber(postID) + "_" + s.nextID()
	c := &comment{id: id, postID: postID, parentID: parentID, from: from, message: text, created: at.UTC(), attachment: att}
	s.comments[id] = c
	s.postComments[postID] = insertOrdered(s.postComments[postID], c, commentKey)
	if parentID != "" {
		s.commentReplies[parentID] = insertOrdered(s.commentReplies[parentID], c, commentKey)
	}
	if at.After(p.updated) {
		p.updated = at.UTC()
	}
	return id, nil
}

// postNumber is the part of "{page-id}_{post-id}" after the underscore.
func postNumber(postID string) string {
	for i := len(postID) - 1; i >= 0; i-- {
		if postID[i] == '_' {
			return postID[i+1:]
		}
	}
	return postID
}

// AddMessage records a Messenger message from a citizen to the Page,
// opening the conversation if it is the first. It returns the conversation
// and message ids.
func (s *Server) AddMessage(from Actor, text string, at time.Time, atts ...Attachment) (convID, msgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conversationLocked(from)
	m := s.addMessageLocked(c, from, s.Page(), text, at, atts)
	return c.id, m.id
}

// AddPageMessage records a message the Page's staff wrote to a citizen
// outside the API (in Meta Business Suite): it is in the conversation but
// not among PageReplies.
func (s *Server) AddPageMessage(to Actor, text string, at time.Time) (convID, msgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conversationLocked(to)
	m := s.addMessageLocked(c, s.Page(), to, text, at, nil)
	return c.id, m.id
}

func (s *Server) conversationLocked(user Actor) *conversation {
	if id, ok := s.convByUser[user.ID]; ok {
		c := s.convs[id]
		if user.Name != "" {
			c.user.Name = user.Name
		}
		return c
	}
	c := &conversation{id: "t_" + s.nextID(), user: user}
	s.convs[c.id] = c
	s.convByUser[user.ID] = c.id
	return c
}

func (s *Server) addMessageLocked(c *conversation, from, to Actor, text string, at time.Time, atts []Attachment) *message {
	m := &message{id: "m_" + s.nextID(), convID: c.id, from: from, to: to, text: text, created: at.UTC(), attachments: atts}
	s.messages[m.id] = m
	s.convMessages[c.id] = insertOrdered(s.convMessages[c.id], m, messageKey)
	if at.After(c.updated) {
		c.updated = at.UTC()
	}
	return m
}

// PageReplies returns what the Page posted through the API (comments and
// messages), oldest first.
func (s *Server) PageReplies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reply(nil), s.replies...)
}

// Sent is PageReplies under the name the demo uses.
func (s *Server) Sent() []Reply { return s.PageReplies() }

// Requests returns every request served, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount counts requests served for one endpoint ("" counts all).
func (s *Server) RequestCount(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if endpoint == "" || r.Endpoint == endpoint {
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests (not the usage window).
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Comment returns the Page's view of a comment: its author, text and parent.
func (s *Server) Comment(id string) (from Actor, text, parentID string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.comments[id]
	if !ok {
		return Actor{}, "", "", false
	}
	return c.from, c.message, c.parentID, true
}

// sorted helpers (callers hold mu).

func (s *Server) feedLocked(tagged bool) []*post {
	if tagged { // ordered by created_time, which never changes
		return newestFirst(s.taggedPosts)
	}
	out := append([]*post(nil), s.pagePosts...)
	sort.Slice(out, func(i, j int) bool {
		ti, tj := out[i].updated, out[j].updated
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return out[i].id > out[j].id
	})
	return out
}

func (s *Server) commentsOfLocked(objectID string, stream bool) []*comment {
	if _, isComment := s.comments[objectID]; isComment { // chronological
		return append([]*comment(nil), s.commentReplies[objectID]...)
	}
	var out []*comment
	for _, c := range s.postComments[objectID] {
		if stream || c.parentID == "" {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) convListLocked(userID string) []*conversation {
	var out []*conversation
	for _, c := range s.convs {
		if userID == "" || c.user.ID == userID {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].updated.Equal(out[j].updated) {
			return out[i].updated.After(out[j].updated)
		}
		return out[i].id > out[j].id
	})
	return out
}

func (s *Server) messagesOfLocked(convID string) []*message { // newest first, as Graph lists them
	return newestFirst(s.convMessages[convID])
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }
