package facebook

import (
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

func outgoing(it inbox.Item, text string, private bool, lastInbound time.Time) connectors.Outgoing {
	it.Channel, it.Account = inbox.ChannelFacebook, "pemkab-fb"
	if it.CreatedAt.IsZero() {
		it.CreatedAt = lastInbound
	}
	return connectors.Outgoing{Item: it, Reply: inbox.Reply{Text: text, Private: private}, LastInboundAt: lastInbound}
}
