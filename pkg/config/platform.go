package config

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"go.yaml.in/yaml/v3"
)

// Platform is what a connector package declares about its accounts' part
// of the configuration. pkg/config decodes the keys every account has
// (name, platform, schedule, sources, enabled, ...) and hands the rest of
// the account's mapping, as a Block, to the platform's Decode. The
// connector owns its keys, their defaults and their checks; pkg/config
// knows no platform by name.
//
// cmd/inboxd passes every platform of connectors/registry to Load.
type Platform struct {
	Channel inbox.Channel
	// Sources are what an account of the platform can poll, in their
	// default order: all are polled when an account lists none.
	Sources []string
	// Schedule is the default schedule of the platform's accounts;
	// "" means DefaultSchedule.
	Schedule string
	// Keys are the account keys the platform owns (besides the common ones).
	Keys []string
	// Decode reads one account's platform keys, reporting every problem
	// through b, and returns the account's settings (the connector's own
	// type; Account.Settings).
	Decode func(b *Block) any
	// PublicAutoAck, when set, is why the platform's rules restrict
	// automated public replies: an auto_ack that acknowledges comments or
	// mentions is then refused with it unless
	// i_understand_x_automation_rules is true.
	PublicAutoAck string
}

// Block is one account's platform keys, handed to its platform's Decode.
// Every problem it reports names the file, the line and the key path,
// e.g. "config.yaml:14: accounts[1].page_id: ...".
type Block struct {
	d    *decoder
	node *yaml.Node // the account's mapping
	path string     // accounts[1]
	keys []Key

	Account  string        // the account's name
	Platform inbox.Channel // its platform
	// Schedule is the account's schedule as configured (or the default).
	Schedule string
}

// Key is one key of a Block as written in the file.
type Key struct {
	Name  string
	Path  string     // full key path, e.g. accounts[1].page_id
	Node  *yaml.Node // the key itself (its line)
	Value *yaml.Node // its value
}

// Keys returns the account's platform keys in file order.
func (b *Block) Keys() []Key { return b.keys }

// Path is the full path of one of the account's keys (which may be
// absent); "" is the account's own path, accounts[1].
func (b *Block) Path(key string) string {
	if key == "" {
		return b.path
	}
	return join(b.path, key)
}

// Errorf reports a problem at node's line (the account's when node is nil)
// under the key path.
func (b *Block) Errorf(node *yaml.Node, path, format string, args ...any) {
	if node == nil {
		node = b.node
	}
	b.d.errorf(node, path, format, args...)
}

// Required reports that key, missing from the account, is required.
func (b *Block) Required(key, format string, args ...any) {
	b.d.errorf(b.node, join(b.path, key), format, args...)
}

// Unknown reports a key the platform does not know, listing known.
func (b *Block) Unknown(k Key, known []string) {
	b.d.errorf(k.Node, k.Path, "unknown key (known keys here: %s)", strings.Join(known, ", "))
}

// IsNull reports whether the key's value is empty (null or ~).
func (b *Block) IsNull(k Key) bool { return isNull(resolve(k.Value)) }

// Mapping returns the entries of a key whose value is a mapping (nested
// keys), reporting any other kind of value and duplicate keys.
func (b *Block) Mapping(k Key) []Key { return b.d.keys(k.Value, k.Path) }

// String sets *dst unless the value is empty (keeping the default); false
// when a problem was reported.
func (b *Block) String(k Key, dst *string) bool { return b.d.str(k.Value, k.Path, dst) }

// Secret reads a credential.
func (b *Block) Secret(k Key, dst *Secret) bool { return b.d.secret(k.Value, k.Path, dst) }

// Bool reads true or false.
func (b *Block) Bool(k Key, dst *bool) bool { return b.d.boolean(k.Value, k.Path, dst) }

// Int reads a whole number; false when empty or reported.
func (b *Block) Int(k Key, dst *int) bool { return b.d.integer(k.Value, k.Path, dst) }

// Duration reads a positive duration such as 72h; false when empty or reported.
func (b *Block) Duration(k Key, dst *time.Duration) bool { return b.d.duration(k.Value, k.Path, dst) }

// URL reads an http(s) URL without credentials; false when empty or reported.
func (b *Block) URL(k Key, dst *string) bool { return b.d.url(k.Value, k.Path, dst) }

// keys is entries as Keys.
func (d *decoder) keys(n *yaml.Node, path string) []Key {
	es := d.entries(n, path)
	out := make([]Key, len(es))
	for i, e := range es {
		out[i] = Key{Name: e.key, Path: join(path, e.key), Node: e.keyNode, Value: e.val}
	}
	return out
}

// platformNames lists the known platforms for a message: "facebook or twitter".
func platformNames(ps []Platform) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p.Channel)
	}
	slices.Sort(names)
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

var numericID = regexp.MustCompile(`^[0-9]{1,32}$`)

// IsNumericID reports whether s looks like a platform's numeric id (a Page
// id, an X user id), not a name or a handle.
func IsNumericID(s string) bool { return numericID.MatchString(s) }
