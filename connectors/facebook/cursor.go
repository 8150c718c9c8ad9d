package facebook

import "github.com/inboxd/inboxd/connectors/metagraph"

// The newest-first cursor rule is metagraph's, shared with Instagram.
type (
	sourceState  = metagraph.Source
	walk         = metagraph.Walk
	step         = metagraph.Step
	threadFilter = metagraph.ThreadFilter
)

const cursorVersion = metagraph.CursorVersion

// Step kinds.
const (
	stepConversations = "conversations"
	stepMessages      = "messages"
	stepFeed          = "feed"
	stepComments      = "comments"
	stepTagged        = "tagged"
)

// relativeURL is metagraph.RelativeURL under graph_url.
func (c *Connector) relativeURL(next string) (string, error) {
	return metagraph.RelativeURL(c.base, next)
}
