package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testSettings and testPlatforms stand in for the connectors' config
// blocks (connectors/registry's tests decode the real ones): the seam is
// pkg/config's, whatever the platform.
type testSettings struct {
	PageID    string
	PageToken Secret
	Lookback  time.Duration
	Budget    map[string]int
}

func testPlatforms() []Platform {
	fb := Platform{Channel: "facebook", Sources: []string{"messages", "comments", "tagged"},
		Keys: []string{"page_id", "page_token", "lookback", "budget"},
		Decode: func(b *Block) any {
			s := &testSettings{Lookback: 72 * time.Hour}
			for _, k := range b.Keys() {
				switch k.Name {
				case "page_id":
					if b.String(k, &s.PageID) && !IsNumericID(s.PageID) {
						b.Errorf(k.Value, k.Path, "%q must be numeric", s.PageID)
					}
				case "page_token":
					b.Secret(k, &s.PageToken)
				case "lookback":
					b.Duration(k, &s.Lookback)
				case "budget":
					s.Budget = map[string]int{}
					for _, e := range b.Mapping(k) {
						var n int
						if e.Name != "per_day" {
							b.Unknown(e, []string{"per_day"})
						} else if b.Int(e, &n) {
							s.Budget[e.Name] = n
						}
					}
				}
			}
			if s.PageID == "" {
				b.Required("page_id", "is required for a %s account", b.Platform)
			}
			if !s.PageToken.IsSet() {
				b.Required("page_token", "is required for a %s account", b.Platform)
			}
			return s
		}}
	x := Platform{Channel: "twitter", Sources: []string{"mentions"}, Schedule: "@every 2m", Keys: []string{"user_id"},
		Decode: func(b *Block) any { return nil }}
	return []Platform{fb, x}
}

// The platform's decoder gets its keys and reports through the Block with
// the file, the line and the key path, like every other config error.
func TestPlatformBlockErrorsNameKeyAndLine(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"bad value", "accounts:\n  - name: a\n    platform: facebook\n    page_id: pemkab\n    page_token: t\n",
			`c.yaml:4: accounts[0].page_id: "pemkab" must be numeric`},
		{"required", "accounts:\n  - name: a\n    platform: facebook\n    page_token: t\n",
			"c.yaml:2: accounts[0].page_id: is required for a facebook account"},
		{"nested", "accounts:\n  - name: a\n    platform: facebook\n    page_id: \"1\"\n    page_token: t\n    budget:\n      per_hour: 3\n",
			"c.yaml:7: accounts[0].budget.per_hour: unknown key (known keys here: per_day)"},
		{"duration", "accounts:\n  - name: a\n    platform: facebook\n    page_id: \"1\"\n    page_token: t\n    lookback: -1h\n",
			"c.yaml:6: accounts[0].lookback: must be positive"},
		{"other platform's key", "accounts:\n  - name: a\n    platform: twitter\n    user_id: \"1\"\n    page_id: \"1\"\n",
			"c.yaml:5: accounts[0].page_id: is a facebook key; this account's platform is twitter"},
		{"unknown key", "accounts:\n  - name: a\n    platform: twitter\n    page_tokn: x\n",
			"c.yaml:4: accounts[0].page_tokn: unknown key (known keys here: name, platform, schedule, sources, enabled, auto_ack, user_id)"},
		{"unknown platform", "accounts:\n  - name: a\n    platform: myspace\n    page_id: \"1\"\n",
			`c.yaml:3: accounts[0].platform: unknown platform "myspace" (use facebook or twitter)`},
		{"unknown source", "accounts:\n  - name: a\n    platform: twitter\n    sources: [comments]\n",
			`c.yaml:4: accounts[0].sources[0]: unknown twitter source "comments" (use mentions)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.yaml), nil, testPlatforms()...)
			var ce *Error
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.As(err, &ce) {
				t.Errorf("error\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestPlatformBlockDecodes(t *testing.T) {
	y := "accounts:\n  - name: a\n    platform: facebook\n    page_id: \"12\"\n    page_token: ${T}\n    budget: {per_day: 5}\n" +
		"  - name: b\n    platform: twitter\n"
	cfg, err := Parse("c.yaml", []byte(y), env("T", "tok"), testPlatforms()...)
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Accounts[0], cfg.Accounts[1]
	want := &testSettings{PageID: "12", PageToken: "tok", Lookback: 72 * time.Hour, Budget: map[string]int{"per_day": 5}}
	if !reflect.DeepEqual(a.Settings, want) || a.Schedule != DefaultSchedule || !reflect.DeepEqual(a.Sources, []string{"messages", "comments", "tagged"}) {
		t.Errorf("facebook account = %+v %+v", a, a.Settings)
	}
	if b.Platform != chTwitter || b.Schedule != "@every 2m" || !reflect.DeepEqual(b.Sources, []string{"mentions"}) {
		t.Errorf("twitter account = %+v (the platform's default schedule and sources)", b)
	}
}

// Without platforms (a tool that reads only the office's settings), the
// common keys are decoded and checked, the platform keys left alone.
func TestParseWithoutPlatforms(t *testing.T) {
	y := "accounts:\n  - name: a\n    platform: facebook\n    page_token: ${UNSET}\n    schedule: \"@every 5s\"\n"
	cfg, err := Parse("c.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := cfg.Accounts[0]; a.Name != "a" || a.Platform != "facebook" || a.Schedule != "@every 5s" || a.Settings != nil {
		t.Errorf("account = %+v", a)
	}
	_, err = Parse("c.yaml", []byte("accounts:\n  - name: Bad Name\n    platform: facebook\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "c.yaml:2: accounts[0].name:") {
		t.Errorf("err = %v", err)
	}
}
