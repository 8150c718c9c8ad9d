package twitter

import (
	"github.com/inboxd/inboxd/connectors/twitter/twittertext"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// URLPostWarning is the reply API's warning on an X post with a URL: X's
// pay-per-use pricing (docs.x.com/x-api/getting-started/pricing, "Content:
// Create (with URL)") bills it $0.200 instead of $0.015.
const URLPostWarning = "this X post contains a URL: X bills a post with a URL at $0.200 instead of $0.015 (pay-per-use pricing); " +
	"leave the link out, or send it by DM, if the cost matters"

// LimitDirectMessage is X's limit for a Direct Message, in characters
// (developer.x.com, POST /2/dm_conversations: text up to 10,000).
const LimitDirectMessage = 10_000

// Channel is the channel of X items: the platform's name in the
// configuration (platform: twitter), the API and the data file.
const Channel inbox.Channel = "twitter"

// Replies is the X reply table: a mention is answered by a reply post
// (counted as X counts, see twittertext) or, privately, by a DM to its
// author; a DM by a DM.
func Replies() inbox.ReplyTable {
	post := inbox.TextLimit{Name: "X post", Max: twittertext.MaxPostLength, Weighting: twittertext.Weighting()}
	urlCost := func(text string) []string {
		if len(twittertext.URLs([]rune(text))) == 0 {
			return nil
		}
		return []string{URLPostWarning}
	}
	dm := inbox.TextLimit{Name: "X direct message", Max: LimitDirectMessage}
	const notX = "comments are a Facebook kind; an X item cannot be one"
	return inbox.ReplyTable{Channel: Channel, Name: "X (Twitter)", Kinds: []inbox.ReplyKind{
		{Item: inbox.KindMention, Limit: post, Warnings: urlCost},
		{Item: inbox.KindMention, Private: true, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindMessage, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindMessage, Private: true, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindComment, Refused: notX},
		{Item: inbox.KindComment, Private: true, Refused: notX},
	}}
}
