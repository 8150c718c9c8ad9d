// Package twitter is the X (Twitter) connector: it polls the account's
// mentions and direct messages, turns them into inbox items, and sends
// replies back as reply posts or DMs.
//
// It speaks X API v2 by default through a small typed client over net/http
// (mentions, DM events, create post, send DM, users/me, and the account's
// own posts for verification), and API v1.1 for accounts whose access level
// still has it, through github.com/dghubble/go-twitter. Credentials are
// OAuth 1.0a user context (github.com/dghubble/oauth1) or OAuth 2.0 with
// rotating refresh tokens (golang.org/x/oauth2), persisted through a
// TokenStore after every refresh.
package twitter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/twitter/twittertext"
	"github.com/inboxd/inboxd/pkg/inbox"
)

var (
	_ connectors.Connector     = (*Connector)(nil)
	_ connectors.Verifier      = (*Connector)(nil)
	_ connectors.Prober        = (*Connector)(nil)
	_ connectors.UsageReporter = (*Connector)(nil)
	_ connectors.PollGate      = (*Connector)(nil)
)

// DM page sizes. X bills every DM event returned and dm_events has no
// since_id, so a walk over an already-seen inbox starts small: a quiet poll
// reads one event, and pages grow only while new events keep coming.
var dmPageSizes = []int{1, 10, 100}

const dmBackfillPageSize = 100

// mentionsPage is one page of posts, newest first.
type mentionsPage struct {
	Posts    []post
	Rejected []connectors.Rejected // posts X sent that cannot be used
	NewestID string
	Next     string // next_token, or v1.1 max_id; empty on the last page
}

// dmPage is one page of DM events, newest first.
type dmPage struct {
	Events   []dmEvent
	Rejected []connectors.Rejected
	Next     string
}

// backend is one API version.
type backend interface {
	mentions(ctx context.Context, sinceID, token string) (mentionsPage, error)
	dms(ctx context.Context, token string, size int) (dmPage, error)
	ownPosts(ctx context.Context, since time.Time, token string) (mentionsPage, error)
	postReply(ctx context.Context, text, inReplyTo string) (string, error)
	sendDM(ctx context.Context, participant, text string) (string, error)
}

// Connector is one X account.
type Connector struct {
	cfg          Config
	now          func() time.Time
	log          *slog.Logger
	meter        *meter
	api          backend
	v2           *v2 // also used by Probe in v1.1 mode
	oauth1Signed bool
	tokens       *tokenSource

	budgets *budgets // X's request budgets per source, counted before each request

	mu      sync.Mutex
	blocked map[string]time.Time // endpoint → when X allows the next call
	level   string               // last x-access-level seen (OAuth 1.0a)
}

// New builds the connector for one account. It makes no network call.
func New(cfg Config, opts Options) (*Connector, error) {
	cfg.Sources = slices.Clone(cfg.Sources)
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	base := http.DefaultTransport
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		base = opts.HTTPClient.Transport
	}
	target, _ := url.Parse(cfg.APIURL) // validated
	c := &Connector{
		cfg:     cfg,
		now:     opts.Now,
		log:     opts.Logger,
		meter:   &meter{},
		budgets: newBudgets(cfg.RateBudget, cfg.SendBudget),
		blocked: map[string]time.Time{},
	}
	metered := &meterTransport{base: base, meter: c.meter}
	c.v2 = &v2{c: c, base: strings.TrimSuffix(cfg.APIURL, "/")}

	switch {
	case cfg.OAuth1 != nil:
		oc := oauth1.NewConfig(cfg.OAuth1.ConsumerKey, cfg.OAuth1.ConsumerSecret)
		ctx := context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: &levelTransport{base: metered, c: c}})
		signer := oc.Client(ctx, oauth1.NewToken(cfg.OAuth1.AccessToken, cfg.OAuth1.AccessSecret)).Transport
		c.v2.client = &http.Client{Transport: signer, Timeout: cfg.HTTPTimeout}
		c.oauth1Signed = true
		if cfg.API == APIv11 {
			c.api = &v1{c: c, target: target, signer: signer}
		}
	case cfg.OAuth2 != nil:
		tokenClient := &http.Client{Transport: base, Timeout: cfg.HTTPTimeout}
		ts, err := newTokenSource(cfg.Name, cfg.OAuth2, tokenClient, opts.Tokens, c.now, c.log, opts.Secrets)
		if err != nil {
			return nil, err
		}
		c.tokens = ts
		c.v2.tokens = ts
		c.v2.client = &http.Client{Transport: metered, Timeout: cfg.HTTPTimeout}
	}
	if c.api == nil {
		c.api = c.v2
	}
	return c, nil
}

// levelTransport remembers X's x-access-level header (OAuth 1.0a only),
// which tells whether the app may read and send DMs.
type levelTransport struct {
	base http.RoundTripper
	c    *Connector
}

func (t *levelTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		if lvl := resp.Header.Get("x-access-level"); lvl != "" {
			t.c.mu.Lock()
			t.c.level = lvl
			t.c.mu.Unlock()
		}
	}
	return resp, err
}

// Name is the account name from config.
func (c *Connector) Name() string { return c.cfg.Name }

// Usage reports the latest x-rate-limit-* values and the resources read today.
func (c *Connector) Usage() connectors.Usage { return c.meter.usage(c.now()) }

// waitRateLimit refuses, without a request, a call X has told us to hold
// until its x-rate-limit-reset.
func (c *Connector) waitRateLimit(op, key string) error {
	c.mu.Lock()
	until, ok := c.blocked[key]
	c.mu.Unlock()
	if ok && c.now().Before(until) {
		return &connectors.Error{Class: connectors.RateLimited, Op: op, RetryAt: until,
			Message: "X rate limit reached; next call allowed at " + until.Format(time.RFC3339)}
	}
	return nil
}

func (c *Connector) noteRateLimited(key string, err *connectors.Error) {
	if err.Class != connectors.RateLimited || err.RetryAt.IsZero() {
		return
	}
	c.mu.Lock()
	c.blocked[key] = err.RetryAt
	c.mu.Unlock()
}

// Poll reads new mentions and DMs after cursor: per source, one walk step
// of up to MaxPagesPerPoll pages. A quiet poll costs one request per source.
func (c *Connector) Poll(ctx context.Context, raw []byte) (connectors.Page, error) {
	cur, err := decodeCursor(raw)
	if err != nil {
		return connectors.Page{}, &connectors.Error{Class: connectors.Permanent, Op: "poll", Message: err.Error(), Err: err}
	}
	var page connectors.Page
	progressed := false
	var spent *connectors.Error // the earliest-freeing spent budget
	polled, skippedSpent := 0, 0
	for _, src := range []string{SourceMentions, SourceDirectMessages} {
		if !c.cfg.hasSource(src) {
			continue
		}
		var more bool
		before := string(cur.encode())
		walking := src == SourceMentions && cur.Mentions.Walk.Token != "" || src == SourceDirectMessages && cur.DMs.Walk.Active
		if c.scheduledSkip(ctx, src, walking) {
			continue // its share of the budget is used: next time
		}
		if at := c.budgets.reads[src].AvailableAt(c.now()); at.After(c.now()) {
			// This source's budget is spent (walks, Verify, poll now):
			// leave it, keep polling the others.
			if spent == nil || at.Before(spent.RetryAt) {
				spent = &connectors.Error{Class: connectors.RateLimited, Op: "poll " + src, RetryAt: at,
					Message: "X request budget for " + src + " spent; next read at " + at.UTC().Format(time.RFC3339)}
			}
			skippedSpent++
			continue
		}
		polled++
		if src == SourceMentions {
			more, err = c.pollMentions(ctx, &cur, &page)
		} else {
			more, err = c.pollDMs(ctx, &cur, &page)
		}
		if err != nil {
			if !progressed && string(cur.encode()) == before && len(page.Items) == 0 && len(page.External) == 0 {
				return connectors.Page{}, err
			}
			// Keep what the other source brought; the failing one is
			// retried (and its error returned) on the next poll.
			c.log.Warn("X poll of one source failed; keeping the other's progress", "account", c.cfg.Name, "source", src, "err", err)
			page.More = true
			break
		}
		progressed = progressed || string(cur.encode()) != before
		page.More = page.More || more
	}
	if polled == 0 && skippedSpent > 0 {
		return connectors.Page{}, spent // every source waits for its budget
	}
	slices.SortStableFunc(page.Items, func(a, b inbox.Item) int {
		if d := a.CreatedAt.Compare(b.CreatedAt); d != 0 {
			return d
		}
		return compareID(a.ExternalID, b.ExternalID)
	})
	slices.SortStableFunc(page.External, func(a, b inbox.ExternalReply) int {
		if d := a.CreatedAt.Compare(b.CreatedAt); d != 0 {
			return d
		}
		return compareID(a.ExternalID, b.ExternalID)
	})
	page.Cursor = cur.encode()
	return page, nil
}

func compareID(a, b string) int {
	switch {
	case a == b:
		return 0
	case lessID(a, b):
		return -1
	}
	return 1
}

// pollMentions pages through next_token with the committed since_id, and
// advances since_id to the first page's newest_id only after the last page.
func (c *Connector) pollMentions(ctx context.Context, cur *cursor, page *connectors.Page) (more bool, err error) {
	m := &cur.Mentions
	backfill := !m.Seeded
	for range c.cfg.MaxPagesPerPoll {
		first := m.Walk.Token == ""
		pg, err := c.api.mentions(ctx, m.SinceID, m.Walk.Token)
		if err != nil {
			return false, err
		}
		if first {
			m.Walk.Target = pg.NewestID
		}
		page.Rejected = append(page.Rejected, pg.Rejected...)
		for _, p := range pg.Posts {
			if p.Author.ID == c.cfg.UserID {
				page.External = append(page.External, c.ownPost(p))
				continue
			}
			c.addItem(page, SourceMentions, c.mentionItem(p, backfill), p.Raw)
		}
		if pg.Next == "" || len(pg.Posts)+len(pg.Rejected) == 0 {
			if m.Walk.Target != "" {
				m.SinceID = m.Walk.Target
			}
			m.Walk = mentionsWalk{}
			m.Seeded = true
			return false, nil
		}
		m.Walk.Token = pg.Next
	}
	return true, nil
}

// pollDMs reads DM events newest first until the committed watermark (the
// last seen event, or its time if it was deleted), then moves the
// watermark to the walk's newest event.
func (c *Connector) pollDMs(ctx context.Context, cur *cursor, page *connectors.Page) (more bool, err error) {
	d := &cur.DMs
	backfill := !d.Seeded
	for range c.cfg.MaxPagesPerPoll {
		size := dmBackfillPageSize
		if d.Seeded {
			size = dmPageSizes[min(d.Walk.Page, len(dmPageSizes)-1)]
		}
		pg, err := c.api.dms(ctx, d.Walk.Token, size)
		if err != nil {
			return false, err
		}
		if !d.Walk.Active && len(pg.Events) > 0 {
			newest := pg.Events[0]
			d.Walk.NewestID, d.Walk.NewestAt = newest.ID, newest.CreatedAt
			for _, e := range pg.Events {
				if e.CreatedAt.Equal(newest.CreatedAt) {
					d.Walk.Boundary = append(d.Walk.Boundary, e.ID)
				}
			}
		}
		d.Walk.Active = true
		d.Walk.Page++
		stop := false
		for _, e := range pg.Events {
			if d.Seeded && d.reached(e.ID, e.CreatedAt) {
				stop = true
				break
			}
			if e.CreatedAt.Equal(d.Walk.NewestAt) { // same second as the new watermark, on a later page
				d.Walk.Boundary = appendNew(d.Walk.Boundary, e.ID)
			}
			if e.SenderID == c.cfg.UserID {
				page.External = append(page.External, c.ownDM(e))
				continue
			}
			c.addItem(page, SourceDirectMessages, c.dmItem(e, backfill), e.Raw)
		}
		page.Rejected = append(page.Rejected, pg.Rejected...)
		if stop || pg.Next == "" || len(pg.Events)+len(pg.Rejected) == 0 {
			if d.Walk.NewestID != "" {
				if d.Walk.NewestAt.Equal(d.LastAt) {
					d.Walk.Boundary = appendNew(d.Walk.Boundary, d.Boundary...)
				}
				d.LastID, d.LastAt, d.Boundary = d.Walk.NewestID, d.Walk.NewestAt, d.Walk.Boundary
			}
			d.Walk = dmWalk{}
			d.Seeded = true
			return false, nil
		}
		d.Walk.Token = pg.Next
	}
	return true, nil
}

// addItem adds an item to the page, or rejects it when the inbox would
// refuse it.
func (c *Connector) addItem(page *connectors.Page, source string, it inbox.Item, raw []byte) {
	if err := it.Validate(); err != nil {
		page.Rejected = append(page.Rejected, connectors.Rejected{Source: source, ExternalID: it.ExternalID, Reason: err.Error(), Raw: raw})
		return
	}
	page.Items = append(page.Items, it)
}

func appendNew(dst []string, src ...string) []string {
	for _, s := range src {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

// Send posts a reply: a reply post to a mention, or a DM for a message or
// a mention answered privately. It returns the post id or the DM event id.
func (c *Connector) Send(ctx context.Context, out connectors.Outgoing) (string, error) {
	const op = "send reply"
	target, err := Replies().CheckReply(out.Item.Kind, out.Reply.Private, out.Reply.Text)
	if err != nil {
		return "", &connectors.Error{Class: connectors.Permanent, Op: op, Message: err.Error()}
	}
	if target.SendsPrivately {
		if out.Item.Author.ID == "" {
			return "", &connectors.Error{Class: connectors.Permanent, Op: op, Message: "the item has no author id to send a DM to"}
		}
		return c.api.sendDM(ctx, out.Item.Author.ID, out.Reply.Text)
	}
	id, err := c.api.postReply(ctx, out.Reply.Text, out.Item.ExternalID)
	if err == nil {
		c.meter.countPost(c.now(), len(twittertext.URLs([]rune(out.Reply.Text))) > 0)
	}
	return id, err
}

// Verify looks for a reply whose send may have reached X: the account's own
// reply post to the item (or its DM in the conversation) created at or
// after since with the same text.
func (c *Connector) Verify(ctx context.Context, out connectors.Outgoing, since time.Time) (string, bool, error) {
	target, err := Replies().Lookup(out.Item.Kind, out.Reply.Private)
	if err != nil {
		return "", false, &connectors.Error{Class: connectors.Permanent, Op: "verify reply", Message: err.Error()}
	}
	floor := since.Truncate(time.Second)
	if target.SendsPrivately {
		conv := conversationID(c.cfg.UserID, out.Item.Author.ID)
		token := ""
		for range c.cfg.MaxPagesPerPoll {
			pg, err := c.api.dms(ctx, token, dmBackfillPageSize)
			if err != nil {
				return "", false, err
			}
			for _, e := range pg.Events {
				if e.CreatedAt.Before(floor) {
					return "", false, nil
				}
				if e.SenderID == c.cfg.UserID && e.ConversationID == conv && sameText(out.Reply.Text, e.Text) {
					return e.ID, true, nil
				}
			}
			if token = pg.Next; token == "" {
				return "", false, nil
			}
		}
		return "", false, nil
	}
	token := ""
	for range c.cfg.MaxPagesPerPoll {
		pg, err := c.api.ownPosts(ctx, since, token)
		if err != nil {
			return "", false, err
		}
		for _, p := range pg.Posts {
			if !p.CreatedAt.Before(floor) && p.InReplyToID == out.Item.ExternalID && sameText(out.Reply.Text, p.Text) {
				return p.ID, true, nil
			}
		}
		if token = pg.Next; token == "" || len(pg.Posts) == 0 {
			return "", false, nil
		}
	}
	return "", false, nil
}

// Probe checks, read-only, that the credentials work and belong to user_id
// (GET /2/users/me), and that the app may read and send DMs.
func (c *Connector) Probe(ctx context.Context) (connectors.Report, error) {
	r := connectors.Report{Account: c.cfg.Name, Platform: string(Channel)}
	me, err := c.v2.me(ctx)
	if err != nil {
		switch connectors.ClassOf(err) {
		case connectors.Auth:
			r.Problems = append(r.Problems, "X refused the credentials: the tokens are wrong, expired or revoked. Create new ones for the official account and update the config.")
			return r, nil
		case connectors.Permission:
			r.Problems = append(r.Problems, "X refused to say who the credentials belong to: "+messageOf(err))
			return r, nil
		case connectors.UsageCapped:
			r.Problems = append(r.Problems, "The app's X usage cap is spent: "+messageOf(err))
			return r, nil
		}
		return r, err
	}
	r.AccountID = me.ID
	r.AccountName = "@" + me.Username
	if me.Name != "" {
		r.AccountName += " (" + me.Name + ")"
	}
	if me.ID != c.cfg.UserID {
		r.Problems = append(r.Problems, fmt.Sprintf("The credentials belong to @%s (id %s), but user_id in the config is %s. Fix user_id, or use tokens of the official account.", me.Username, me.ID, c.cfg.UserID))
	}
	c.probePermissions(&r)
	if v1api, ok := c.api.(*v1); ok {
		if err := v1api.probe(ctx); err != nil {
			switch connectors.ClassOf(err) {
			case connectors.Permission, connectors.Auth, connectors.UsageCapped:
				r.Problems = append(r.Problems, "The v1.1 check failed: "+messageOf(err))
			default:
				return r, err
			}
		}
	}
	return r, nil
}

// probePermissions reads what the app may do: the x-access-level header for
// OAuth 1.0a, the granted scopes for OAuth 2.0.
func (c *Connector) probePermissions(r *connectors.Report) {
	if c.oauth1Signed {
		c.mu.Lock()
		lvl := c.level
		c.mu.Unlock()
		switch lvl {
		case "":
			return
		case "read-write-directmessages":
			r.Permissions = []string{"read", "write", "direct_messages"}
		case "read-write":
			r.Permissions = []string{"read", "write"}
			r.Missing = []string{"direct_messages"}
		default:
			r.Permissions = []string{lvl}
			r.Missing = []string{"write", "direct_messages"}
		}
		if len(r.Missing) > 0 {
			r.Problems = append(r.Problems, "The X app's permission is "+lvl+": set \"Read and write and Direct message\" in the app's user authentication settings, then regenerate the access token and secret.")
		}
		return
	}
	if c.tokens == nil {
		return
	}
	granted := strings.Fields(c.tokens.scope())
	if len(granted) == 0 {
		return
	}
	r.Permissions = granted
	for _, need := range []string{"tweet.read", "tweet.write", "users.read", "dm.read", "dm.write", "offline.access"} {
		if !slices.Contains(granted, need) {
			r.Missing = append(r.Missing, need)
		}
	}
	if len(r.Missing) > 0 {
		r.Problems = append(r.Problems, "The OAuth 2.0 token lacks the scopes "+strings.Join(r.Missing, ", ")+": authorise the account again with all of them.")
	}
}

func messageOf(err error) string {
	var ce *connectors.Error
	if errors.As(err, &ce) && ce.Message != "" {
		return ce.Message
	}
	return err.Error()
}
