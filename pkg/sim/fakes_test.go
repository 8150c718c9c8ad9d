package sim

import (
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/config"
	"github.com/inboxd/inboxd/pkg/inbox"
)

func TestStartFakesAndTheirAccounts(t *testing.T) {
	f, err := StartFakes(false)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("fakes.yaml", []byte(f.AccountsYAML("@every 5s", 7)), nil)
	if err != nil {
		t.Fatalf("the accounts block does not load: %v", err)
	}
	if len(cfg.Accounts) != 2 {
		t.Fatalf("%d accounts, want 2", len(cfg.Accounts))
	}
	fb, x := cfg.Accounts[0], cfg.Accounts[1]
	if fb.Platform != inbox.ChannelFacebook || fb.Facebook.GraphURL != f.GraphURL || fb.Facebook.PageID != PageID ||
		fb.Facebook.PageToken.Reveal() != PageToken || fb.Facebook.MaxPagesPerPoll != 7 {
		t.Errorf("facebook account = %+v", fb.Facebook)
	}
	if x.Platform != inbox.ChannelTwitter || x.Twitter.APIURL != f.XURL || x.Twitter.UserID != AccountXUserID ||
		x.Twitter.OAuth1 == nil || x.Twitter.OAuth1.AccessSecret.Reveal() != AccessSecret {
		t.Errorf("x account = %+v", x.Twitter)
	}
	if strings.Contains(f.AccountsYAML("@every 5s", 0), "max_pages_per_poll") {
		t.Error("maxPages 0 should leave the default")
	}

	// Both fakes answer on their URLs (here: refusing a request without a token) until Close.
	for _, u := range []string{f.GraphURL + "v25.0/me", f.XURL + "/2/users/me"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("GET %s without a token: %d", u, resp.StatusCode)
		}
	}
	f.Close()
	if resp, err := http.Get(f.XURL + "/2/users/me"); err == nil {
		resp.Body.Close()
		t.Fatal("the X fake still answers after Close")
	}
}
