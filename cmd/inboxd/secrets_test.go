package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/store"
)

// Credentials of the accounts below; none may leave inboxd.
var echoedSecrets = map[string]string{
	"page_token":             "EAAGpagetoken0secret0001",
	"app_secret":             "fbappsecret0000000002",
	"oauth1 consumer_key":    "xconsumerkey000000003",
	"oauth1 consumer_secret": "xconsumersecret00004",
	"oauth1 access_token":    "xaccesstoken0000000005",
	"oauth1 access_secret":   "xaccesssecret000000006",
	"oauth2 client_secret":   "xclientsecret000000007",
	"oauth2 access_token":    "xbeareraccess0000000008",
	"oauth2 refresh_token":   "xrefreshtoken00000009",
}

// echoServer answers every request as mode says, echoing what the
// request carried (its Authorization header, URL and body):
//
//	body      401 whose JSON (X problem, Graph error and OAuth error at once) holds the echo
//	header    401 whose headers hold the echo
//	redirect  302 to an unreachable URL holding the echo (the client's
//	          *url.Error then quotes it)
func echoServer(t *testing.T, mode string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := fmt.Sprintf("Authorization: %s; url: %s; body: %s", r.Header.Get("Authorization"), r.URL.String(), body)
		switch mode {
		case "body":
			e, _ := json.Marshal(echo)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":%s,"error":{"message":%s,"type":"OAuthException","code":190},"error_description":%s}`, e, e, e)
		case "header":
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", echo="`+url.QueryEscape(echo)+`"`)
			w.Header().Set("X-Echo", url.QueryEscape(echo))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"title":"Unauthorized","status":401,"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`)
		case "redirect":
			http.Redirect(w, r, "http://127.0.0.1:1/bot123456:"+echoedSecrets["oauth1 access_token"]+"/x?access_token="+
				url.QueryEscape(r.URL.Query().Get("access_token"))+"&echo="+url.QueryEscape(echo), http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Platforms that echo credentials back never get them into the log, the
// stored account state, the API (office-wide or unit-scoped) or /metrics:
// both platforms, X with OAuth 1.0a and with OAuth 2.0. Before the
// scrubber, an X 401 echoing the Authorization header put oauth_token and
// oauth_consumer_key in all of them.
func TestEchoedCredentialsNeverLeave(t *testing.T) {
	for _, mode := range []string{"body", "header", "redirect"} {
		t.Run(mode, func(t *testing.T) {
			srv := echoServer(t, mode)
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "config.yaml")
			s := echoedSecrets
			writeFile(t, cfgPath, fmt.Sprintf(`data_dir: %q
log:
  level: debug
http:
  listen: 127.0.0.1:0
  bootstrap_admin_token: ${%s}
accounts:
  - name: fb
    platform: facebook
    schedule: "@every 1h"
    graph_url: %q
    page_id: %q
    page_token: %q
    app_secret: %q
  - name: x1
    platform: twitter
    schedule: "@every 1h"
    api_url: %q
    user_id: %q
    oauth1: {consumer_key: %q, consumer_secret: %q, access_token: %q, access_secret: %q}
  - name: x2
    platform: twitter
    schedule: "@every 1h"
    api_url: %q
    user_id: %q
    oauth2: {client_id: inboxd-client, client_secret: %q, access_token: %q, refresh_token: %q}
`, filepath.Join(dir, "data"), tAdminTokenEnv, srv.URL+"/", tPageID, s["page_token"], s["app_secret"],
				srv.URL, tXUserID, s["oauth1 consumer_key"], s["oauth1 consumer_secret"], s["oauth1 access_token"], s["oauth1 access_secret"],
				srv.URL, tXUserID, s["oauth2 client_secret"], s["oauth2 access_token"], s["oauth2 refresh_token"]))
			d := startDaemon(t, cfgPath)
			for _, name := range []string{"fb", "x1", "x2"} {
				d.pollAccepted(name)
				if a := d.account(name); a.LastError == nil {
					t.Fatalf("%s: no last_error after a refused poll: %+v", name, a)
				}
			}
			code, secret := d.do("POST", "/api/v1/tokens", map[string]string{"name": "unit-viewer", "role": "viewer", "unit": "dinas-pu"})
			if code != http.StatusCreated {
				t.Fatalf("create a unit token: %d %s", code, secret)
			}
			var created struct{ Secret string }
			_ = json.Unmarshal(secret, &created)

			seen := map[string]string{}
			for _, p := range []string{"/api/v1/accounts", "/api/v1/stats", "/readyz", "/metrics"} {
				_, b := d.do("GET", p, nil)
				seen["API "+p] = string(b)
			}
			_, b := doHTTP(t, d.client, "GET", d.base+"/api/v1/accounts", created.Secret, nil)
			seen["API /api/v1/accounts (unit-scoped)"] = string(b)
			if !strings.Contains(string(b), "dministrator") {
				t.Errorf("unit-scoped last_error is not the generic text: %s", b)
			}
			d.stop()
			seen["log"] = d.stderr.String()
			st, err := store.Open(filepath.Join(dir, "data", dataFileName), store.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			states, err := st.AccountStates()
			st.Close()
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(states)
			seen["stored account state"] = string(raw)

			for where, text := range seen {
				for what, sec := range echoedSecrets {
					if strings.Contains(text, sec) || strings.Contains(text, url.QueryEscape(sec)) {
						t.Errorf("%s holds the %s:\n%s", where, what, tail(text, 3000))
					}
				}
			}
			if mode != "header" && !strings.Contains(seen["stored account state"], "[redacted]") {
				t.Errorf("the stored state shows no redaction, so the echo never reached it: %s", seen["stored account state"])
			}
		})
	}
}
