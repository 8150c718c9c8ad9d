package instagram

import (
	"slices"
	"time"

	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/pkg/config"
)

// Sources an Instagram account can be polled for.
const (
	SourceComments = "comments" // comments and replies on the account's media
	SourceMessages = "messages" // DMs (Conversations API, platform=instagram)
)

// AllSources is the default set, in polling order.
var AllSources = []string{SourceComments, SourceMessages}

// DefaultMediaMaxAge bounds the media whose comments are read.
const DefaultMediaMaxAge = 30 * 24 * time.Hour

// Settings are an Instagram account's keys in inboxd's config.
type Settings struct {
	metagraph.Graph          // graph_url, graph_version, page_id, page_token, app_secret
	metagraph.Polling        // lookback, human_agent, max_pages_per_poll
	IGUserID          string // the Instagram professional account's id (the Page's instagram_business_account)
	MediaMaxAge       time.Duration
}

var keys = slices.Concat(metagraph.GraphKeys, metagraph.PollKeys, []string{"ig_user_id", "media_max_age"})

// Platform is the Instagram part of the configuration.
func Platform() config.Platform {
	return config.Platform{Channel: Channel, Sources: AllSources, Keys: keys, Decode: decodeSettings}
}

func decodeSettings(b *config.Block) any {
	s := &Settings{Graph: metagraph.DefaultGraph(), Polling: metagraph.DefaultPolling(), MediaMaxAge: DefaultMediaMaxAge}
	for _, k := range b.Keys() {
		if s.Graph.DecodeKey(b, k) || s.Polling.DecodeKey(b, k) {
			continue
		}
		switch k.Name {
		case "ig_user_id":
			if b.String(k, &s.IGUserID) && s.IGUserID != "" && !config.IsNumericID(s.IGUserID) {
				b.Errorf(k.Value, k.Path, "%q must be the Instagram account's numeric id (GET /{page-id}?fields=instagram_business_account), not its @username", s.IGUserID)
			}
		case "media_max_age":
			b.Duration(k, &s.MediaMaxAge)
		}
	}
	s.Graph.Required(b)
	if s.IGUserID == "" {
		b.Required("ig_user_id", "is required for an instagram account (the Page's instagram_business_account id)")
	}
	return s
}

// Config is the connector's Config for the account, secrets revealed.
func (s *Settings) Config(name string, sources []string) Config {
	return Config{Name: name, PageID: s.PageID, IGUserID: s.IGUserID, PageToken: s.PageToken.Reveal(), AppSecret: s.AppSecret.Reveal(),
		GraphURL: s.GraphURL, GraphVersion: s.GraphVersion, Sources: sources, Lookback: s.Lookback, MediaMaxAge: s.MediaMaxAge,
		MaxPagesPerPoll: s.MaxPagesPerPoll, HumanAgent: s.HumanAgent}
}
