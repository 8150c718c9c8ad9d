package instagram

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Instagram's text limits (see the package doc).
const (
	limitComment  = 2_200 // characters
	limitMessage  = 1_000 // bytes of UTF-8
	maxHashtags   = 4
	maxURLs       = 1
	countUTF8Name = "utf8-bytes"
)

// utf8Bytes counts a text's UTF-8 bytes through the inbox's weighting:
// 1 byte up to U+007F, 2 up to U+07FF, 3 up to U+FFFF, 4 beyond.
var utf8Bytes = &inbox.Weighting{Name: countUTF8Name, Scale: 1, DefaultWeight: 4, Ranges: []inbox.WeightRange{
	{Start: 0, End: 0x7f, Weight: 1}, {Start: 0x80, End: 0x7ff, Weight: 2}, {Start: 0x800, End: 0xffff, Weight: 3},
}}

var (
	hashtagRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&])#[\p{L}\p{N}_]+`)
	urlRE     = regexp.MustCompile(`(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|id|net|org|co|io|info|me|ly)\b(?:/\S*)?`)
)

// commentRules are Instagram's rules on a comment's content.
func commentRules(text string) string {
	if n := len(hashtagRE.FindAllString(text, -1)); n > maxHashtags {
		return fmt.Sprintf("has %d hashtags; an Instagram comment may have at most %d", n, maxHashtags)
	}
	if n := len(urlRE.FindAllString(text, -1)); n > maxURLs {
		return fmt.Sprintf("has %d links; an Instagram comment may have at most %d", n, maxURLs)
	}
	if allCaps(text) {
		return "is all in capital letters, which Instagram refuses in a comment; write it in normal case"
	}
	return ""
}

// allCaps reports whether text has letters and none of them is lower case.
func allCaps(text string) bool {
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) && unicode.IsLower(r) {
				return false
			}
			if unicode.IsUpper(r) {
				letters++
			}
		}
	}
	return letters >= 2 && strings.ToUpper(text) == text
}

// Channel is the channel of Instagram items: the platform's name in the
// configuration (platform: instagram), the API and the data file.
const Channel inbox.Channel = "instagram"

// Replies is the Instagram reply table: a DM is answered by a DM; a
// comment publicly by a reply, or once privately by a DM; mentions are not
// polled (they wait for webhooks).
func Replies() inbox.ReplyTable {
	comment := inbox.TextLimit{Name: "Instagram comment", Max: limitComment, Rules: commentRules}
	dm := inbox.TextLimit{Name: "Instagram message", Max: limitMessage, Weighting: utf8Bytes}
	return inbox.ReplyTable{Channel: Channel, Name: "Instagram", Kinds: []inbox.ReplyKind{
		{Item: inbox.KindMessage, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindMessage, Private: true, SendsPrivately: true, Limit: dm},
		{Item: inbox.KindComment, Limit: comment},
		{Item: inbox.KindComment, Private: true, SendsPrivately: true, Limit: dm, OnePerItem: true},
		{Item: inbox.KindMention, Refused: "inboxd does not read Instagram mentions yet (they need webhooks); answer in the Instagram app"},
		{Item: inbox.KindMention, Private: true, Refused: "inboxd does not read Instagram mentions yet (they need webhooks); answer in the Instagram app"},
	}}
}
