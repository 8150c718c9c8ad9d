package scheduler

import "github.com/inboxd/inboxd/pkg/inbox"

// The channels these tests use. The package names no platform (each
// connector declares its own Channel, connectors/registry lists them), so
// its tests declare theirs.
const (
	chFacebook inbox.Channel = "facebook"
)
