// Package metagraph is what inboxd's Meta connectors share: Facebook Pages
// (connectors/facebook) and Instagram professional accounts
// (connectors/instagram) are both reached through the Graph API at
// graph.facebook.com with a Page access token.
//
// It holds the Graph API's defaults and version rule, and the Graph
// account keys every Meta platform's config block has. A connector never
// touches the store, the API or the scheduler, and neither does this
// package.
package metagraph

import (
	"regexp"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/config"
)

// Graph API defaults.
const (
	DefaultURL     = "https://graph.facebook.com/"
	DefaultVersion = "v25.0"
)

// versionPattern is what a Graph API version looks like: v25.0.
var versionPattern = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// ValidVersion reports whether v names a Graph API version (v25.0).
func ValidVersion(v string) bool { return versionPattern.MatchString(v) }

// GraphKeys are the account keys every Meta platform reads the same way.
var GraphKeys = []string{"graph_url", "graph_version", "page_id", "page_token", "app_secret"}

// Graph is the part of a Meta account's settings that addresses the Graph
// API: where, which version, which Page and with which credentials.
type Graph struct {
	GraphURL     string // base URL with trailing slash
	GraphVersion string // e.g. v25.0
	PageID       string
	PageToken    config.Secret
	AppSecret    config.Secret // optional: enables appsecret_proof
}

// DefaultGraph is Graph with the defaults applied.
func DefaultGraph() Graph { return Graph{GraphURL: DefaultURL, GraphVersion: DefaultVersion} }

// DecodeKey reads k into g when it is one of GraphKeys, reporting its
// problems through b; it reports whether k was a Graph key.
func (g *Graph) DecodeKey(b *config.Block, k config.Key) bool {
	switch k.Name {
	case "graph_url":
		if b.URL(k, &g.GraphURL) && !strings.HasSuffix(g.GraphURL, "/") {
			g.GraphURL += "/" // paths are joined onto it
		}
	case "graph_version":
		if b.String(k, &g.GraphVersion) && !ValidVersion(g.GraphVersion) {
			b.Errorf(k.Value, k.Path, "%q must look like %s", g.GraphVersion, DefaultVersion)
		}
	case "page_id":
		if b.String(k, &g.PageID) && g.PageID != "" && !config.IsNumericID(g.PageID) {
			b.Errorf(k.Value, k.Path, "%q must be the Page's numeric id (Page settings → About → Page ID), not its name", g.PageID)
		}
	case "page_token":
		b.Secret(k, &g.PageToken)
	case "app_secret":
		b.Secret(k, &g.AppSecret)
	default:
		return false
	}
	return true
}

// Required reports the Graph keys an account must set.
func (g *Graph) Required(b *config.Block) {
	if g.PageID == "" {
		b.Required("page_id", "is required for a %s account", b.Platform)
	}
	if !g.PageToken.IsSet() {
		b.Required("page_token", "is required for a %s account (normally ${FB_PAGE_TOKEN})", b.Platform)
	}
}

// Secrets are the credentials as they may appear in a Graph error.
func (g *Graph) Secrets() []string { return []string{g.PageToken.Reveal(), g.AppSecret.Reveal()} }

// Defaults and bounds of the polling keys every Meta account has.
const (
	DefaultLookback        = 72 * time.Hour
	DefaultMaxPagesPerPoll = 10
	MaxPagesPerPollLimit   = 1000
)

// Meta's windows for answering a person (Messenger and Instagram alike).
const (
	// StandardWindow: a message may answer the person's last one for 24 h.
	StandardWindow = 24 * time.Hour
	// HumanAgentWindow: with Meta's Human Agent permission a person may
	// answer with the HUMAN_AGENT tag for 7 days.
	HumanAgentWindow = 7 * 24 * time.Hour
	// PrivateReplyWindow: a private reply must follow the comment within 7 days.
	PrivateReplyWindow = 7 * 24 * time.Hour
)

// PollKeys are the polling keys every Meta platform reads the same way.
var PollKeys = []string{"lookback", "human_agent", "max_pages_per_poll"}

// Polling is the part of a Meta account's settings that paces its polls
// and its messaging window.
type Polling struct {
	Lookback        time.Duration // how far back the first poll reaches
	HumanAgent      bool          // the app has Meta's Human Agent permission
	MaxPagesPerPoll int
}

// DefaultPolling is Polling with the defaults applied.
func DefaultPolling() Polling {
	return Polling{Lookback: DefaultLookback, MaxPagesPerPoll: DefaultMaxPagesPerPoll}
}

// DecodeKey reads k into p when it is one of PollKeys.
func (p *Polling) DecodeKey(b *config.Block, k config.Key) bool {
	switch k.Name {
	case "lookback":
		b.Duration(k, &p.Lookback)
	case "human_agent":
		b.Bool(k, &p.HumanAgent)
	case "max_pages_per_poll":
		if b.Int(k, &p.MaxPagesPerPoll) && (p.MaxPagesPerPoll < 1 || p.MaxPagesPerPoll > MaxPagesPerPollLimit) {
			b.Errorf(k.Value, k.Path, "must be between 1 and %d, not %d", MaxPagesPerPollLimit, p.MaxPagesPerPoll)
		}
	default:
		return false
	}
	return true
}

// PagesPerPoll is how many pages a source may walk in one poll.
func (p *Polling) PagesPerPoll() int { return p.MaxPagesPerPoll }

// ReplyWindowEnds is when Meta stops accepting an answer to a person's
// message written at created: 24 hours later, 7 days with the Human Agent
// permission; nil when created is unknown.
func ReplyWindowEnds(created time.Time, humanAgent bool) *time.Time {
	if created.IsZero() {
		return nil
	}
	window := StandardWindow
	if humanAgent {
		window = HumanAgentWindow
	}
	ends := created.Add(window)
	return &ends
}
