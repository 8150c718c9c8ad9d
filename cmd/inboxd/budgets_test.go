package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// config check warns, naming the account and source, when a schedule asks
// for more than two thirds of an X read budget; the defaults fit.
func TestConfigCheckWarnsAboutXBudgets(t *testing.T) {
	const x = "accounts:\n  - name: %s\n    platform: twitter\n    user_id: \"42\"\n%s    oauth1: {consumer_key: a, consumer_secret: b, access_token: c, access_secret: d}\n"
	account := func(name, extra string) string {
		return strings.Replace(strings.Replace(x, "%s", name, 1), "%s", extra, 1)
	}
	defaults, _ := writeConfig(t, account("x-default", ""))
	if r := invoke(t, []string{"config", "check", "--config", defaults}); r.err != nil || r.stderr != "" {
		t.Errorf("default schedule and budgets: %+v", r)
	}
	fast, _ := writeConfig(t, account("x-fast", "    schedule: \"@every 1m\"\n"))
	r := invoke(t, []string{"config", "check", "--config", fast})
	if r.err != nil || !strings.Contains(r.stderr, "warning: account x-fast source direct_messages") || strings.Contains(r.stderr, "source mentions") {
		t.Errorf("@every 1m: %+v", r)
	}
	raised, _ := writeConfig(t, account("x-raised", "    schedule: \"@every 30s\"\n    rate_budget: {direct_messages: 300}\n"))
	if r := invoke(t, []string{"config", "check", "--config", raised}); r.err != nil || r.stderr != "" {
		t.Errorf("@every 30s with a raised DM budget: %+v", r)
	}
	example := filepath.Join("..", "..", "config.example.yaml")
	if r := invoke(t, []string{"config", "check", "--config", example}); strings.Contains(r.stderr, "warning") {
		t.Errorf("config.example.yaml warns: %s", r.stderr)
	}
}
