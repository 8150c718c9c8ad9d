package facebook

import (
	"slices"

	"github.com/inboxd/inboxd/connectors/metagraph"
	"github.com/inboxd/inboxd/pkg/config"
)

// MaxPagesPerPollLimit bounds max_pages_per_poll.
const MaxPagesPerPollLimit = metagraph.MaxPagesPerPollLimit

// Settings are a Facebook Page account's keys in inboxd's config.
type Settings struct {
	metagraph.Graph
	metagraph.Polling
}

// keys are the account keys a Facebook account owns.
var keys = slices.Concat(metagraph.GraphKeys, metagraph.PollKeys)

// Platform is the Facebook part of the configuration: its keys, defaults
// and sources.
func Platform() config.Platform {
	return config.Platform{Channel: Channel, Sources: AllSources, Keys: keys, Decode: decodeSettings}
}

func decodeSettings(b *config.Block) any {
	s := &Settings{Graph: metagraph.DefaultGraph(), Polling: metagraph.DefaultPolling()}
	for _, k := range b.Keys() {
		_ = s.Graph.DecodeKey(b, k) || s.Polling.DecodeKey(b, k)
	}
	s.Graph.Required(b)
	return s
}

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

// OwnID is the Page's id: what the Page writes is the office's own.
func (s *Settings) OwnID() string { return s.PageID }
