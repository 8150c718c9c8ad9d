package twitter

import (
	"github.com/inboxd/inboxd/connectors/twitter/twittertext"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// LimitDirectMessage is X's limit for a Direct Message, in characters
// (developer.x.com, POST /2/dm_conversations: text up to 10,000).
const LimitDirectMessage = 10_000

// Replies is the X reply table: a mention is answered by a reply post
// (counted as X counts, see twittertext) or, privately, by a DM to its
// author; a DM by a DM.
func Replies() inbox.ReplyTable {
	post := inbox.TextLimit{Name: "X post", Max: twittertext.MaxPostLength, Weighting: twittertext.Weighting()}
	dm := inbox.TextLimit{Name: "X direct message", Max: LimitDirectMessage}
	const notX = "comments are a Facebook kind; an X item cannot be one"
	return inbox.ReplyTable{Channel: inbox.ChannelTwitter, Kinds: []inbox.ReplyKind{
		{Item: inbox.KindMention, Limit: post},
		{Item: inbox.KindMention, Private: true, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindMessage, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindMessage, Private: true, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindComment, Refused: notX},
		{Item: inbox.KindComment, Private: true, Refused: notX},
	}}
}
