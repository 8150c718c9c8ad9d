package config

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

const xAccountForAck = `
  - name: pemkab-x
    platform: twitter
    user_id: "1500000000000000001"
    oauth2:
      client_id: c
      access_token: a
      refresh_token: r
`

func TestAutoAckConfig(t *testing.T) {
	y := "templates_file: templates/id.yaml\naccounts:" + fbAccount +
		"    auto_ack:\n      office_hours_template: diterima\n      after_hours_template: diterima-luar-jam\n" +
		"  - name: fb-dua\n    platform: facebook\n    page_id: \"2\"\n    page_token: t\n    auto_ack:\n      after_hours_template: diterima-luar-jam\n      kinds: [message, comment]\n      quiet_period: 2h\n"
	cfg, err := Parse("c.yaml", []byte(y), env("FB_PAGE_TOKEN", "t"))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0].AutoAck
	if a == nil || a.OfficeHoursTemplate != "diterima" || a.AfterHoursTemplate != "diterima-luar-jam" ||
		len(a.Kinds) != 1 || a.Kinds[0] != inbox.KindMessage || a.QuietPeriod != 24*time.Hour {
		t.Errorf("defaults: %+v", a)
	}
	b := cfg.Accounts[1].AutoAck
	if b.OfficeHoursTemplate != "diterima-luar-jam" || len(b.Kinds) != 2 || b.QuietPeriod != 2*time.Hour {
		t.Errorf("second: %+v", b)
	}
	if len(cfg.Warnings) != 1 { // the built-in templates copy only
		t.Errorf("warnings %q", cfg.Warnings)
	}
}

func TestAutoAckConfigErrors(t *testing.T) {
	for _, c := range []struct {
		yaml string
		want []string
	}{
		{"accounts:" + fbAccount + "    auto_ack:\n      kinds: [message, post]\n      quiet_period: -1h\n      colour: red\n",
			[]string{"c.yaml:7: accounts[0].auto_ack: names no template", `c.yaml:7: accounts[0].auto_ack.kinds: unknown kind "post"`,
				"c.yaml:8: accounts[0].auto_ack.quiet_period: must be positive", "c.yaml:9: accounts[0].auto_ack.colour: unknown key"}},
		{"accounts:" + fbAccount + "    auto_ack:\n      office_hours_template: Diterima Baru\n",
			[]string{`c.yaml:7: accounts[0].auto_ack.office_hours_template: "Diterima Baru" is not a template name`}},
		// Public acknowledgements on X need the explicit flag: X's rule is
		// the twitter connector's (connectors/registry's config tests).
	} {
		_, err := Parse("c.yaml", []byte(c.yaml), env("FB_PAGE_TOKEN", "t"))
		if err == nil {
			t.Errorf("accepted:\n%s", c.yaml)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q:\n%v", w, err)
			}
		}
	}
	ok := "accounts:" + xAccountForAck + "    auto_ack:\n      office_hours_template: diterima\n      kinds: [message, mention]\n      i_understand_x_automation_rules: true\n"
	if _, err := Parse("c.yaml", []byte(ok), nil); err != nil {
		t.Errorf("with the flag: %v", err)
	}
	// A template the templates file lacks is a warning (the store may have it).
	cfg, err := Parse("c.yaml", []byte("templates_file: templates/id.yaml\naccounts:"+fbAccount+"    auto_ack:\n      office_hours_template: terima\n"), env("FB_PAGE_TOKEN", "t"))
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(cfg.Warnings, "\n"); !strings.Contains(w, `accounts[0].auto_ack: template "terima" is not in templates/id.yaml`) || strings.Count(w, "terima\"") != 1 {
		t.Errorf("warnings %q", cfg.Warnings)
	}
}
