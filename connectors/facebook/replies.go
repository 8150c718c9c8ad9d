package facebook

import "github.com/inboxd/inboxd/pkg/inbox"

// Meta's text limits, in characters (code points): a comment takes 8,000;
// a Messenger text message 2,000 (Send API), which also bounds a private
// reply to a comment, since it arrives in Messenger.
const (
	limitComment   = 8_000
	limitMessenger = 2_000
)

// Channel is the channel of Facebook items: the platform's name in the
// configuration (platform: facebook), the API and the data file.
const Channel inbox.Channel = "facebook"

// Replies is the Facebook reply table: a Messenger answer is private
// whatever was asked; a comment is answered by a comment or, once, by a
// private reply; a post that tags the Page only publicly.
func Replies() inbox.ReplyTable {
	comment := inbox.TextLimit{Name: "Facebook comment", Max: limitComment}
	messenger := inbox.TextLimit{Name: "Messenger message", Max: limitMessenger}
	return inbox.ReplyTable{Channel: Channel, Name: "Facebook", Kinds: []inbox.ReplyKind{
		{Item: inbox.KindMessage, SendsPrivately: true, Limit: messenger},
		{Item: inbox.KindMessage, Private: true, SendsPrivately: true, Limit: messenger},
		{Item: inbox.KindComment, Limit: comment},
		{Item: inbox.KindComment, Private: true, SendsPrivately: true, Limit: messenger, OnePerItem: true},
		{Item: inbox.KindMention, Limit: comment},
		{Item: inbox.KindMention, Private: true, Refused: "a Facebook post that tags the Page cannot be answered privately; reply publicly"},
	}}
}
