package facebook

import (
	"slices"
	"time"

	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// MaxPagesPerPollLimit bounds max_pages_per_poll.
const MaxPagesPerPollLimit = 1000

// Settings are a Facebook Page account's keys in inboxd's config.
type Settings struct {
	metagraph.Graph
	Lookback        time.Duration
	HumanAgent      bool
	MaxPagesPerPoll int
}

// keys are the account keys a Facebook account owns.
var keys = slices.Concat(metagraph.GraphKeys, []string{"lookback", "human_agent", "max_pages_per_poll"})

// Platform is the Facebook part of the configuration: its keys, defaults
// and sources.
func Platform() config.Platform {
	return config.Platform{Channel: inbox.ChannelFacebook, Sources: AllSources, Keys: keys, Decode: decodeSettings}
}

func decodeSettings(b *config.Block) any {
	s := &Settings{Graph: metagraph.DefaultGraph(), Lookback: DefaultLookback, MaxPagesPerPoll: DefaultMaxPagesPerPoll}
	for _, k := range b.Keys() {
		if s.DecodeKey(b, k) {
			continue
		}
		switch k.Name {
		case "lookback":
			b.Duration(k, &s.Lookback)
		case "human_agent":
			b.Bool(k, &s.HumanAgent)
		case "max_pages_per_poll":
			if b.Int(k, &s.MaxPagesPerPoll) && (s.MaxPagesPerPoll < 1 || s.MaxPagesPerPoll > MaxPagesPerPollLimit) {
				b.Errorf(k.Value, k.Path, "must be between 1 and %d, not %d", MaxPagesPerPollLimit, s.MaxPagesPerPoll)
			}
		}
	}
	s.Graph.Required(b)
	return s
}

// PagesPerPoll is how many pages a source may walk in one poll.
func (s *Settings) PagesPerPoll() int { return s.MaxPagesPerPoll }

// Config is the connector's Config for the account, secrets revealed.
func (s *Settings) Config(name string, sources []string) Config {
	return Config{
		Name:            name,
		PageID:          s.PageID,
		PageToken:       s.PageToken.Reveal(),
		AppSecret:       s.AppSecret.Reveal(),
		GraphURL:        s.GraphURL,
		GraphVersion:    s.GraphVersion,
		Sources:         sources,
		Lookback:        s.Lookback,
		MaxPagesPerPoll: s.MaxPagesPerPoll,
		HumanAgent:      s.HumanAgent,
	}
}
