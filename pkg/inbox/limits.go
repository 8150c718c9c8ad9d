package inbox

import (
	"fmt"
	"unicode/utf8"
)

// Text limits the platforms enforce on what inboxd sends, in characters.
const (
	LimitTweet            = 280    // X post (reply to a mention)
	LimitXDirectMessage   = 10_000 // X DM
	LimitFacebookComment  = 8_000  // Facebook comment reply
	LimitMessengerMessage = 2_000  // Messenger text (also a private reply)
)

// ReplyTarget says how a reply to an item travels and how long it may be.
type ReplyTarget struct {
	Private bool // travels as a private message
	Limit   int  // characters
	Field   string
}

// ReplyTargetFor decides how a reply of the given privacy to an item of the
// given channel and kind is sent. It errors when the platform cannot carry
// such a reply (e.g. a public answer to a private message).
func ReplyTargetFor(ch Channel, k Kind, private bool) (ReplyTarget, error) {
	switch ch {
	case ChannelFacebook:
		switch k {
		case KindMessage: // a Messenger answer is private whatever was asked
			return ReplyTarget{Private: true, Limit: LimitMessengerMessage}, nil
		case KindComment:
			if private { // Meta's "private reply" to a comment goes to Messenger
				return ReplyTarget{Private: true, Limit: LimitMessengerMessage}, nil
			}
			return ReplyTarget{Limit: LimitFacebookComment}, nil
		case KindMention:
			if private {
				return ReplyTarget{}, fmt.Errorf("a Facebook post that tags the Page cannot be answered privately; reply publicly")
			}
			return ReplyTarget{Limit: LimitFacebookComment}, nil
		}
	case ChannelTwitter:
		switch k {
		case KindMessage:
			return ReplyTarget{Private: true, Limit: LimitXDirectMessage}, nil
		case KindMention:
			if private { // answered by DM to the author
				return ReplyTarget{Private: true, Limit: LimitXDirectMessage}, nil
			}
			return ReplyTarget{Limit: LimitTweet}, nil
		case KindComment:
			return ReplyTarget{}, fmt.Errorf("comments are a Facebook kind; an X item cannot be one")
		}
	}
	return ReplyTarget{}, fmt.Errorf("unknown channel %q or kind %q", ch, k)
}

// TextLength counts characters the way the limits above count them.
// (X weighs some characters double; the sim and the API both use this
// simpler count, and X's own refusal is classified if it disagrees.)
func TextLength(s string) int { return utf8.RuneCountInString(s) }
