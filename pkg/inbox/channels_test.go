package inbox

// The channels these tests use. The package names no platform (each
// connector declares its own Channel, connectors/registry lists them), so
// its tests declare theirs.
const (
	chFacebook  Channel = "facebook"
	chTwitter   Channel = "twitter"
	chInstagram Channel = "instagram"
)
