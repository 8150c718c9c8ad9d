package instagram

import (
	"slices"
	"time"

	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Sources an Instagram account can be polled for.
const (
	SourceComments = "comments" // comments and replies on the account's media
	SourceMessages = "messages" // DMs (Conversations API, platform=instagram)
)

// AllSources is the default set, in polling order.
var AllSources = []string{SourceComments, SourceMessages}

// Defaults.
const (
	DefaultLookback        = 72 * time.Hour
	DefaultMediaMaxAge     = 30 * 24 * time.Hour
	DefaultMaxPagesPerPoll = 10
	MaxPagesPerPollLimit   = 1000
)

// Settings are an Instagram account's keys in inboxd's config.
type Settings struct {
	metagraph.Graph        // graph_url, graph_version, page_id, page_token, app_secret
	IGUserID        string // the Instagram professional account's id (the Page's instagram_business_account)
	Lookback        time.Duration
	MediaMaxAge     time.Duration
	HumanAgent      bool
	MaxPagesPerPoll int
}

var keys = slices.Concat(metagraph.GraphKeys, []string{"ig_user_id", "lookback", "media_max_age", "human_agent", "max_pages_per_poll"})

// Platform is the Instagram part of the configuration.
func Platform() config.Platform {
	return config.Platform{Channel: inbox.ChannelInstagram, Sources: AllSources, Keys: keys, Decode: decodeSettings}
}

func decodeSettings(b *config.Block) any {
	s := &Settings{Graph: metagraph.DefaultGraph(), Lookback: DefaultLookback, MediaMaxAge: DefaultMediaMaxAge, MaxPagesPerPoll: DefaultMaxPagesPerPoll}
	for _, k := range b.Keys() {
		if s.DecodeKey(b, k) {
			continue
		}
		switch k.Name {
		case "ig_user_id":
			if b.String(k, &s.IGUserID) && s.IGUserID != "" && !config.IsNumericID(s.IGUserID) {
				b.Errorf(k.Value, k.Path, "%q must be the Instagram account's numeric id (GET /{page-id}?fields=instagram_business_account), not its @username", s.IGUserID)
			}
		case "lookback":
			b.Duration(k, &s.Lookback)
		case "media_max_age":
			b.Duration(k, &s.MediaMaxAge)
		case "human_agent":
			b.Bool(k, &s.HumanAgent)
		case "max_pages_per_poll":
			if b.Int(k, &s.MaxPagesPerPoll) && (s.MaxPagesPerPoll < 1 || s.MaxPagesPerPoll > MaxPagesPerPollLimit) {
				b.Errorf(k.Value, k.Path, "must be between 1 and %d, not %d", MaxPagesPerPollLimit, s.MaxPagesPerPoll)
			}
		}
	}
	s.Graph.Required(b)
	if s.IGUserID == "" {
		b.Required("ig_user_id", "is required for an instagram account (the Page's instagram_business_account id)")
	}
	return s
}

// PagesPerPoll is how many pages a source may walk in one poll.
func (s *Settings) PagesPerPoll() int { return s.MaxPagesPerPoll }

// Config is the connector's Config for the account, secrets revealed.
func (s *Settings) Config(name string, sources []string) Config {
	return Config{Name: name, PageID: s.PageID, IGUserID: s.IGUserID, PageToken: s.PageToken.Reveal(), AppSecret: s.AppSecret.Reveal(),
		GraphURL: s.GraphURL, GraphVersion: s.GraphVersion, Sources: sources, Lookback: s.Lookback, MediaMaxAge: s.MediaMaxAge,
		MaxPagesPerPoll: s.MaxPagesPerPoll, HumanAgent: s.HumanAgent}
}
