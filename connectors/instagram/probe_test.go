package instagram

import (
	"context"
	"slices"
	"strings"
	"testing"
)

const allPerms = `{"data":[{"permission":"instagram_basic","status":"granted"},{"permission":"instagram_manage_comments","status":"granted"},
	{"permission":"instagram_manage_messages","status":"granted"},{"permission":"pages_show_list","status":"granted"},
	{"permission":"pages_read_engagement","status":"granted"}]}`

func TestProbe(t *testing.T) {
	linked := `{"id":"` + testPageID + `","name":"Pemkab Kotabaru","instagram_business_account":{"id":"` + testIGUser + `","username":"pemkab.kotabaru"}}`
	for _, tt := range []struct {
		name, page, perms string
		ok                bool
		problem, missing  string
	}{
		{"ready", linked, allPerms, true, "", ""},
		{"not linked", `{"id":"` + testPageID + `","name":"Pemkab Kotabaru"}`, allPerms, false, "has no Instagram professional account linked", ""},
		{"other account", strings.Replace(linked, testIGUser, "17841499999999999", 1), allPerms, false, "not to the configured ig_user_id", ""},
		{"missing permission", linked, strings.Replace(allPerms, `"instagram_manage_messages","status":"granted"`, `"instagram_manage_messages","status":"declined"`, 1),
			false, "App Review", "instagram_manage_messages"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.on("GET "+testPageID, 200, tt.page)
			f.on("GET me/permissions", 200, tt.perms)
			c := newConn(t, f)
			rep, err := c.Probe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() != tt.ok || (tt.problem != "" && !strings.Contains(strings.Join(rep.Problems, " "), tt.problem)) ||
				(tt.missing != "" && !slices.Contains(rep.Missing, tt.missing)) || rep.Platform != "instagram" {
				t.Errorf("report = %+v", rep)
			}
			if q := f.got()[0].RawQuery; !strings.Contains(q, "instagram_business_account") {
				t.Errorf("probe query %s", q)
			}
		})
	}
	// A refused token is a finding, not a failed check.
	f := newFake(t)
	f.on("GET "+testPageID, 400, `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}`)
	rep, err := newConn(t, f).Probe(context.Background())
	if err != nil || rep.OK() || !strings.Contains(rep.Problems[0], "Page token was refused") {
		t.Fatalf("probe with an expired token = %+v, %v", rep, err)
	}
}
