package workload

import "github.com/inboxd/inboxd/pkg/inbox"

// The channels the workload writes: facebook.Channel and twitter.Channel.
// pkg/sim cannot import the connectors (their tests import pkg/sim: a
// cycle), so it names them here; connectors/registry's tests check that
// they equal the connectors' own.
const (
	ChannelFacebook inbox.Channel = "facebook"
	ChannelTwitter  inbox.Channel = "twitter"
)
