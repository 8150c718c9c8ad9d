package main

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/sim/graphapi"
	"github.com/inboxd/inboxd/pkg/sim/xapi"
)

func facebookAccountYAML(graphURL string) string {
	return fmt.Sprintf(`accounts:
  - name: pemkab-fb
    platform: facebook
    graph_url: %s/
    page_id: "102030405060708"
    page_token: ${FB_PAGE_TOKEN}
`, graphURL)
}

func TestProbeFacebook(t *testing.T) {
	cases := []struct {
		name        string
		permissions []string
		token       string
		wantErr     bool
		wantOut     []string
	}{
		{"healthy", nil, "page-token", false, []string{"verdict: OK", "pages_messaging"}},
		{"missing permission", []string{"pages_show_list", "pages_read_engagement"}, "page-token", true,
			[]string{"MISSING: ", "pages_messaging", "verdict: NOT READY"}},
		{"wrong token", nil, "not-the-token", true, []string{"problem: ", "verdict:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := graphapi.New(graphapi.Options{PageID: "102030405060708", PageName: "Pemkab", PageToken: "page-token", Permissions: c.permissions})
			srv := httptest.NewServer(g)
			defer srv.Close()
			path, _ := writeConfig(t, facebookAccountYAML(srv.URL))
			r := invoke(t, []string{"probe", "--config", path, "--account", "pemkab-fb"}, "FB_PAGE_TOKEN", c.token)
			if (r.err != nil) != c.wantErr {
				t.Fatalf("err = %v, wantErr %v\nstdout:\n%s\nstderr:\n%s", r.err, c.wantErr, r.stdout, r.stderr)
			}
			if c.wantErr && !errors.Is(r.err, errProbeFailed) {
				t.Fatalf("err = %v, want errProbeFailed", r.err)
			}
			for _, want := range c.wantOut {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			if strings.Contains(r.stdout+r.stderr, c.token) {
				t.Fatal("the token was printed")
			}
		})
	}
}

func TestProbeX(t *testing.T) {
	x := xapi.New(xapi.Options{UserID: "1460000000000000001", Username: "pemkab", BearerToken: "b",
		ConsumerKey: "ck", ConsumerSecret: "cs", AccessToken: "at", AccessSecret: "as"})
	srv := httptest.NewServer(x)
	defer srv.Close()
	path, _ := writeConfig(t, fmt.Sprintf(`accounts:
  - name: pemkab-x
    platform: twitter
    api_url: %s
    user_id: "1460000000000000001"
    oauth1: {consumer_key: ck, consumer_secret: cs, access_token: at, access_secret: as}
`, srv.URL))
	r := invoke(t, []string{"probe", "--config", path, "--account", "pemkab-x"})
	if r.err != nil || !strings.Contains(r.stdout, "verdict: OK") {
		t.Fatalf("probe = %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
}

func TestProbeUnknownAccount(t *testing.T) {
	path, _ := writeConfig(t, facebookAccountYAML("http://127.0.0.1:1"))
	r := invoke(t, []string{"probe", "--config", path, "--account", "nope"}, "FB_PAGE_TOKEN", "x")
	if r.err == nil || !strings.Contains(r.err.Error(), `no account "nope"`) || !strings.Contains(r.err.Error(), "pemkab-fb") {
		t.Fatalf("err = %v; want it to name the unknown account and the known ones", r.err)
	}
	if r := invoke(t, []string{"probe", "--config", path}); r.err == nil {
		t.Fatal("probe without --account accepted")
	}
}
