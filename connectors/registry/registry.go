// Package registry lists the platforms inboxd speaks to and what each
// connector package declares about itself. Today that is its reply table
// (channel, reply kinds, text limits); a new platform adds its line here and
// nothing in pkg/inbox, pkg/api or pkg/store changes. cmd/inboxd (and the
// load tools) build the value once and pass it down.
package registry

import (
	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Replies collects every connector's reply table.
func Replies() inbox.ReplyRules {
	// The tables are fixed at compile time; a bad one is a programming
	// error that every test run would show.
	return inbox.MustReplyRules(facebook.Replies(), twitter.Replies())
}
