package main

import (
	"strings"
	"testing"
)

// Before issue 10 the CLI created tokens the API refuses ("bad name",
// "bootstrap") and had no cap.
func TestTokenCreateUsesTheAPIsNameRuleAndCap(t *testing.T) {
	cfg, _ := writeConfig(t, "  max_tokens: 2\ntimezone: UTC\n")
	for _, name := range []string{"bad name", "bootstrap", "-x"} {
		r := invoke(t, []string{"token", "create", "--config", cfg, "--name", name, "--role", "viewer"})
		if r.err == nil || !strings.Contains(r.err.Error(), "name") {
			t.Errorf("--name %q: %+v", name, r)
		}
	}
	for _, name := range []string{"rina", "budi"} {
		if r := invoke(t, []string{"token", "create", "--config", cfg, "--name", name, "--role", "viewer"}); r.err != nil {
			t.Fatalf("create %s: %v", name, r.err)
		}
	}
	r := invoke(t, []string{"token", "create", "--config", cfg, "--name", "siti", "--role", "viewer"})
	if r.err == nil || !strings.Contains(r.err.Error(), "max_tokens") {
		t.Fatalf("third token with max_tokens 2: %+v", r)
	}
}
