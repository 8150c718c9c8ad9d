// Package xapi is an in-process fake of the X (Twitter) API for tests, the
// demo and load runs. It holds one account, the citizens who write to it,
// their posts and the account's DM conversations in memory, and serves the
// v2 endpoints inboxd reads and writes (mentions, the account's own posts,
// DM events, create post, send DM, users/me, the OAuth 2.0 token endpoint)
// and the v1.1 paths github.com/dghubble/go-twitter calls, with the JSON
// shapes, headers and error bodies X documents.
//
// Requests are authenticated for real: a Bearer token must be a live OAuth
// 2.0 access token (they expire after 2 h on the injected clock, refresh
// tokens rotate), and an OAuth 1.0a request's HMAC-SHA1 signature is rebuilt
// from the request and compared. Rate-limit windows are enforced per
// endpoint with the x-rate-limit-* headers, and faults can be injected per
// endpoint. Every method is safe for concurrent use.
package xapi

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Endpoint names one route of the fake, for request counts, limits and faults.
type Endpoint string

// The routes the fake serves.
const (
	Mentions    Endpoint = "GET /2/users/:id/mentions"
	UserTweets  Endpoint = "GET /2/users/:id/tweets"
	DMEvents    Endpoint = "GET /2/dm_events"
	CreateTweet Endpoint = "POST /2/tweets"
	SendDM      Endpoint = "POST /2/dm_conversations/with/:participant_id/messages"
	UsersMe     Endpoint = "GET /2/users/me"
	OAuth2Token Endpoint = "POST /2/oauth2/token"

	V1Mentions     Endpoint = "GET /1.1/statuses/mentions_timeline.json"
	V1UserTimeline Endpoint = "GET /1.1/statuses/user_timeline.json"
	V1DMList       Endpoint = "GET /1.1/direct_messages/events/list.json"
	V1Update       Endpoint = "POST /1.1/statuses/update.json"
	V1DMNew        Endpoint = "POST /1.1/direct_messages/events/new.json"
)

// Defaults of Options.
const (
	DefaultWindow         = 15 * time.Minute
	DefaultAccessTokenTTL = 2 * time.Hour
	defaultLimit          = 900
)

// defaultLimits are per-user limits per 15-minute window in the spirit of
// X's published table; tests lower them through Options.Limits.
var defaultLimits = map[Endpoint]int{
	Mentions: 300, UserTweets: 900, DMEvents: 300, CreateTweet: 100, SendDM: 200, UsersMe: 75,
	V1Mentions: 75, V1UserTimeline: 900, V1DMList: 15, V1Update: 300, V1DMNew: 200,
}

// Options configure a fake X API.
type Options struct {
	UserID   string // the account's numeric id
	Username string // its @handle, without the @
	Name     string // its display name

	// BearerToken is an OAuth 2.0 user access token accepted from the
	// start (it expires AccessTokenTTL after New, on the injected clock).
	BearerToken string
	// OAuth 2.0 client and the refresh token the token endpoint accepts
	// first; each refresh rotates it and invalidates the previous one.
	ClientID     string
	ClientSecret string // empty for a public client (no Basic auth)
	RefreshToken string
	// AccessTokenTTL is how long issued access tokens live (default 2 h).
	AccessTokenTTL time.Duration

	// OAuth 1.0a user context: requests signed with these are accepted.
	ConsumerKey    string
	ConsumerSecret string
	AccessToken    string
	AccessSecret   string
	// AccessLevel is sent as x-access-level on OAuth 1.0a responses
	// (default "read-write-directmessages").
	AccessLevel string

	Now func() time.Time // injected clock; default time.Now

	// NoLimits turns rate-limit enforcement off (headers are still sent).
	NoLimits bool
	// Window is the rate-limit window (default 15 min); Limits overrides
	// the requests allowed per window for an endpoint.
	Window time.Duration
	Limits map[Endpoint]int
}

// User is an X account known to the fake.
type User struct {
	ID       string
	Username string
	Name     string
}

// Media is a picture or video attached to a post or DM.
type Media struct {
	Type string // photo, video or animated_gif
	URL  string // the picture, or the video's preview image
}

// Tweet is a post as the fake stores it.
type Tweet struct {
	ID             string
	AuthorID       string
	Text           string
	CreatedAt      time.Time
	ConversationID string
	InReplyToID    string // the post it replies to
	InReplyToUser  string // that post's author
	QuoteOf        string // the post it quotes
	Media          []Media
	ViaAPI         bool // posted through the API (by the connector)
}

// DMEvent is one MessageCreate event of a one-to-one conversation.
type DMEvent struct {
	ID             string
	ConversationID string
	SenderID       string
	RecipientID    string
	Text           string
	CreatedAt      time.Time
	Media          []Media
	ViaAPI         bool
}

// Mention is a citizen's post that mentions the account.
type Mention struct {
	AuthorID  string
	Text      string    // "@username" is prepended unless already there
	InReplyTo string    // optional: the post it replies to (joins its conversation)
	QuoteOf   string    // optional: the post it quotes
	Media     []Media   // optional
	At        time.Time // default: the clock's now
}

// DM is a direct message between the account and someone else.
type DM struct {
	SenderID    string
	RecipientID string // default: the account (when the sender is someone else)
	Text        string
	Media       []Media
	At          time.Time
}

// Server is the fake X API; it is an http.Handler.
type Server struct {
	opts Options
	now  func() time.Time

	mu       sync.Mutex
	users    map[string]User
	tweets   []*Tweet // ascending id
	tweetIdx map[string]*Tweet
	dms      []*DMEvent // ascending id
	lastID   uint64
	requests map[Endpoint]int
	faults   map[Endpoint][]*Fault
	windows  map[Endpoint]*window

	accessTokens   map[string]time.Time // live OAuth 2.0 access tokens → expiry
	refreshToken   string               // the one refresh token currently valid
	tokenSeq       int
	retiredRefresh map[string]bool

	mux *http.ServeMux
}

// New returns a fake X API for one account.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if opts.AccessLevel == "" {
		opts.AccessLevel = "read-write-directmessages"
	}
	if opts.Username == "" {
		opts.Username = "account"
	}
	if opts.Name == "" {
		opts.Name = opts.Username
	}
	s := &Server{
		opts:           opts,
		now:            opts.Now,
		users:          map[string]User{},
		tweetIdx:       map[string]*Tweet{},
		requests:       map[Endpoint]int{},
		faults:         map[Endpoint][]*Fault{},
		windows:        map[Endpoint]*window{},
		accessTokens:   map[string]time.Time{},
		refreshToken:   opts.RefreshToken,
		retiredRefresh: map[string]bool{},
	}
	s.users[opts.UserID] = User{ID: opts.UserID, Username: opts.Username, Name: opts.Name}
	if opts.BearerToken != "" {
		s.accessTokens[opts.BearerToken] = s.now().Add(opts.AccessTokenTTL)
	}
	s.routes()
	return s
}

// ServeHTTP serves the X API routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// AddUser makes a citizen known (their name and handle appear in includes).
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// AddMention stores a citizen's post that mentions the account and returns it.
func (s *Server) AddMention(m Mention) Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	text := m.Text
	if !mentions(text, s.opts.Username) {
		text = "@" + s.opts.Username + " " + text
	}
	return *s.addTweetLocked(m.AuthorID, text, m.InReplyTo, m.QuoteOf, m.Media, m.At, false)
}

// AddPost stores any post as written (by a citizen, or by the account itself
// outside inboxd when authorID is the account's id).
func (s *Server) AddPost(authorID, text, inReplyTo string, at time.Time) Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addTweetLocked(authorID, text, inReplyTo, "", nil, at, false)
}

// DeletePost removes a post, as its author deleting it on X would.
func (s *Server) DeletePost(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tweetIdx, id)
	for i, t := range s.tweets {
		if t.ID == id {
			s.tweets = append(s.tweets[:i], s.tweets[i+1:]...)
			return
		}
	}
}

// AddDM stores a direct message (from a citizen to the account by default,
// or from the account when SenderID is the account's id) and returns it.
func (s *Server) AddDM(d DM) DMEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	rcpt := d.RecipientID
	if rcpt == "" {
		rcpt = s.opts.UserID
	}
	return *s.addDMLocked(d.SenderID, rcpt, d.Text, d.Media, d.At, false)
}

// DeleteDM removes a DM event, as deleting it in the X app would.
func (s *Server) DeleteDM(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.dms {
		if e.ID == id {
			s.dms = append(s.dms[:i], s.dms[i+1:]...)
			return
		}
	}
}

// Posted returns the posts the account created through the API, oldest first.
func (s *Server) Posted() []Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Tweet
	for _, t := range s.tweets {
		if t.ViaAPI {
			out = append(out, *t)
		}
	}
	return out
}

// SentDMs returns the DMs the account sent through the API, oldest first.
func (s *Server) SentDMs() []DMEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []DMEvent
	for _, e := range s.dms {
		if e.ViaAPI {
			out = append(out, *e)
		}
	}
	return out
}

// Requests returns how many requests reached an endpoint (including refused ones).
func (s *Server) Requests(ep Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[ep]
}

// TotalRequests returns the number of requests over all endpoints.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.requests {
		n += c
	}
	return n
}

// ResetRequests zeroes the request counts (not the rate-limit windows).
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = map[Endpoint]int{}
}

// RefreshToken returns the refresh token the token endpoint currently accepts.
func (s *Server) RefreshToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshToken
}

// Authorize plays an operator authorising the app again (OAuth 2.0 PKCE
// with offline.access): it returns a new refresh token and invalidates
// the previous one.
func (s *Server) Authorize() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenSeq++
	s.retiredRefresh[s.refreshToken] = true
	s.refreshToken = fmt.Sprintf("sim-authorized-%d-%d", s.tokenSeq, s.now().UnixNano())
	return s.refreshToken
}

// ConversationID returns X's id of the one-to-one DM conversation between
// two users: the smaller id, a dash, the larger.
func ConversationID(a, b string) string {
	if lessID(b, a) {
		a, b = b, a
	}
	return a + "-" + b
}

// nextIDLocked returns a snowflake-like id: the clock's milliseconds in the
// high bits, so ids sort by time as X's do, and strictly increasing.
func (s *Server) nextIDLocked(at time.Time) uint64 {
	const twitterEpochMS = 1288834974657
	id := uint64(max(at.UnixMilli()-twitterEpochMS, 0)) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return id
}

func (s *Server) addTweetLocked(authorID, text, inReplyTo, quoteOf string, media []Media, at time.Time, viaAPI bool) *Tweet {
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC().Truncate(time.Millisecond)
	t := &Tweet{
		ID:        fmt.Sprint(s.nextIDLocked(at)),
		AuthorID:  authorID,
		Text:      text,
		CreatedAt: at,
		QuoteOf:   quoteOf,
		Media:     media,
		ViaAPI:    viaAPI,
	}
	t.ConversationID = t.ID
	if parent, ok := s.tweetIdx[inReplyTo]; ok {
		t.InReplyToID = parent.ID
		t.InReplyToUser = parent.AuthorID
		t.ConversationID = parent.ConversationID
	}
	s.tweets = append(s.tweets, t)
	s.tweetIdx[t.ID] = t
	return t
}

func (s *Server) addDMLocked(sender, recipient, text string, media []Media, at time.Time, viaAPI bool) *DMEvent {
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC().Truncate(time.Millisecond)
	e := &DMEvent{
		ID:             fmt.Sprint(s.nextIDLocked(at)),
		ConversationID: ConversationID(sender, recipient),
		SenderID:       sender,
		RecipientID:    recipient,
		Text:           text,
		CreatedAt:      at,
		Media:          media,
		ViaAPI:         viaAPI,
	}
	s.dms = append(s.dms, e)
	return e
}

// mentions reports whether text @-mentions username (case-insensitively,
// as a whole handle).
func mentions(text, username string) bool {
	for _, h := range handles(text) {
		if strings.EqualFold(h, username) {
			return true
		}
	}
	return false
}

// handles lists the @handles in text.
func handles(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && isHandleByte(text[i-1])) {
			continue
		}
		j := i + 1
		for j < len(text) && isHandleByte(text[j]) {
			j++
		}
		if j > i+1 {
			out = append(out, text[i+1:j])
		}
		i = j - 1
	}
	return out
}

func isHandleByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// lessID compares decimal ids numerically.
func lessID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
