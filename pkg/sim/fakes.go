package sim

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

// The demo office's made-up identities: the fakes accept exactly these
// credentials, and Fakes.AccountsYAML configures inboxd with them.
const (
	PageID         = "102030405060708"
	PageName       = "Pemkab Sukamaju"
	PageToken      = "demo-page-token"
	AccountXUserID = "1460000000000000001"
	XUsername      = "pemkabsukamaju"
	ConsumerKey    = "demo-consumer-key"
	ConsumerSecret = "demo-consumer-secret"
	AccessToken    = "demo-access-token"
	AccessSecret   = "demo-access-secret"

	// IGUserID and IGUsername are the office's Instagram professional
	// account, linked to the Page.
	IGUserID   = "17841400000000001"
	IGUsername = "pemkab.sukamaju"

	// The demo's account names, as the README's examples use them.
	FacebookAccount  = "pemkab-fb"
	XAccount         = "pemkab-x"
	InstagramAccount = "pemkab-ig"
)

// Fakes are the Graph API and X API fakes served on loopback ports, as the
// demo and the load runs use them.
type Fakes struct {
	Graph    *graphapi.Server
	X        *xapi.Server
	GraphURL string // with a trailing slash, as graph_url wants it
	XURL     string
	stops    []func()
}

// StartFakes serves both fakes on free loopback ports. noLimits drops their
// rate limits (load runs). Close stops them.
func StartFakes(noLimits bool) (*Fakes, error) {
	f := &Fakes{
		Graph: graphapi.New(graphapi.Options{
			PageID: PageID, PageName: PageName, PageToken: PageToken,
			IGUserID: IGUserID, IGUsername: IGUsername,
			NoLimits: noLimits, CallsPerHour: 100_000,
		}),
		X: xapi.New(xapi.Options{
			UserID: AccountXUserID, Username: XUsername, Name: PageName,
			ConsumerKey: ConsumerKey, ConsumerSecret: ConsumerSecret,
			AccessToken: AccessToken, AccessSecret: AccessSecret,
			NoLimits: noLimits,
		}),
	}
	graphURL, err := f.serve(f.Graph)
	if err != nil {
		return nil, err
	}
	f.GraphURL = graphURL + "/"
	f.Graph.SetBaseURL(f.GraphURL)
	if f.XURL, err = f.serve(f.X); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (f *Fakes) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for a platform fake: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	f.stops = append(f.stops, func() { _ = srv.Close(); <-done })
	return "http://" + ln.Addr().String(), nil
}

// Close stops both fakes and waits for their servers to end.
func (f *Fakes) Close() {
	for _, stop := range f.stops {
		stop()
	}
	f.stops = nil
}

// AccountsYAML is the `accounts:` block of an inboxd config with one
// Facebook, one X and one Instagram account pointed at the fakes. maxPages
// sets the Meta accounts' max_pages_per_poll (0: the default).
func (f *Fakes) AccountsYAML(schedule string, maxPages int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `accounts:
  - name: %s
    platform: facebook
    schedule: %q
    graph_url: %q
    page_id: %q
    page_token: %q
    lookback: 1h
`, FacebookAccount, schedule, f.GraphURL, PageID, PageToken)
	if maxPages > 0 {
		fmt.Fprintf(&b, "    max_pages_per_poll: %d\n", maxPages)
	}
	fmt.Fprintf(&b, `  - name: %s
    platform: twitter
    schedule: %q
    api_url: %q
    user_id: %q
    # The fake is not X: budgets far above its schedule, so the demo and
    # load runs poll as scheduled (real X accounts keep the defaults).
    rate_budget: {mentions: 100000, direct_messages: 100000}
    dm_send_budget: {per_15min: 100000, per_day: 1000000}
    oauth1:
      consumer_key: %q
      consumer_secret: %q
      access_token: %q
      access_secret: %q
`, XAccount, schedule, f.XURL, AccountXUserID, ConsumerKey, ConsumerSecret, AccessToken, AccessSecret)
	fmt.Fprintf(&b, `  - name: %s
    platform: instagram
    schedule: %q
    graph_url: %q
    page_id: %q
    ig_user_id: %q
    page_token: %q
    lookback: 1h
`, InstagramAccount, schedule, f.GraphURL, PageID, IGUserID, PageToken)
	if maxPages > 0 {
		fmt.Fprintf(&b, "    max_pages_per_poll: %d\n", maxPages)
	}
	return b.String()
}
