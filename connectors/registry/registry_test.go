package registry

import (
	"slices"
	"testing"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/instagram"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
)

// Every channel answers every kind of item somehow: a row, or a refusal
// that says why.
func TestEveryChannelHasARowForEveryKind(t *testing.T) {
	rr := Replies()
	for _, p := range Platforms() {
		ch := p.Config.Channel
		tbl, ok := rr.Table(ch)
		if !ok {
			t.Errorf("channel %s has no reply table", ch)
			continue
		}
		for _, k := range inbox.Kinds {
			for _, private := range []bool{false, true} {
				found := false
				for _, rk := range tbl.Kinds {
					found = found || rk.Item == k && rk.Private == private
				}
				if !found {
					t.Errorf("%s: no row for %s private=%v", ch, k, private)
				}
			}
		}
	}
}

// The registry's channels are the platforms', each once, and the reply
// rules hold exactly those: what the API validates and lists in OpenAPI.
func TestChannelsAreThePlatforms(t *testing.T) {
	var chs []inbox.Channel
	for _, p := range Platforms() {
		chs = append(chs, p.Config.Channel)
		if p.Replies.Channel != p.Config.Channel {
			t.Errorf("platform %s registers replies for %s", p.Config.Channel, p.Replies.Channel)
		}
	}
	slices.Sort(chs)
	if got := Replies().Channels(); !slices.Equal(got, chs) {
		t.Errorf("Replies().Channels() = %v, want %v", got, chs)
	}
	if want := []inbox.Channel{facebook.Channel, instagram.Channel, twitter.Channel}; !slices.Equal(chs, want) {
		t.Errorf("channels %v, want %v", chs, want)
	}
}

// pkg/sim cannot import the connectors (their tests import it), so the
// workload names its channels itself: they must be the connectors'.
func TestSimChannelsAreTheConnectors(t *testing.T) {
	if workload.ChannelFacebook != facebook.Channel || workload.ChannelTwitter != twitter.Channel {
		t.Errorf("workload channels %q, %q; connectors %q, %q", workload.ChannelFacebook, workload.ChannelTwitter, facebook.Channel, twitter.Channel)
	}
}
