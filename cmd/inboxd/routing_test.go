package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func routingConfig(dataDir, rulesYAML string) string {
	return fmt.Sprintf(`data_dir: %q
http:
  listen: 127.0.0.1:0
  bootstrap_admin_token: ${%s}
units:
  - code: dpupr
    name: Dinas PUPR
  - code: bpbd
    name: BPBD
routing:
%s`, dataDir, tAdminTokenEnv, rulesYAML)
}

// TestReloadRoutingRules: SIGHUP applies new rules; a bad rule is refused
// with file:line and the running rules stay.
func TestReloadRoutingRules(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	data := filepath.Join(dir, "data")
	writeFile(t, cfgPath, routingConfig(data, "  - name: jalan\n    any_words: [jalan rusak]\n    unit: dpupr\n"))
	d := startDaemon(t, cfgPath)
	route := func(text string) string {
		t.Helper()
		code, body := d.do("POST", "/api/v1/routing/test", map[string]string{"text": text})
		if code != http.StatusOK {
			t.Fatalf("routing/test: %d %s", code, body)
		}
		var r struct{ Unit, Rule string }
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return r.Rule + "/" + r.Unit
	}
	if got := route("Jln rusak parah"); got != "jalan/dpupr" {
		t.Fatalf("before reload: %s", got)
	}

	writeFile(t, cfgPath, routingConfig(data, "  - name: jalan\n    any_words: [jalan rusak]\n    unit: dpupr\n"+
		"  - name: banjir\n    regex: \"(unclosed\"\n    unit: bpbd\n"))
	d.sighup("config reload refused", 1)
	if !strings.Contains(d.stderr.String(), "config.yaml:15: routing[1].regex: not a valid RE2") {
		t.Errorf("refusal does not name file:line and key:\n%s", tail(d.stderr.String(), 2000))
	}
	if got := route("Jln rusak parah"); got != "jalan/dpupr" {
		t.Errorf("after a refused reload the running rules must stay: %s", got)
	}

	writeFile(t, cfgPath, routingConfig(data, "  - name: banjir\n    any_words: [banjir]\n    unit: bpbd\n"))
	d.sighup("config reloaded", 1)
	if got := route("banjir dan jalan rusak"); got != "banjir/bpbd" {
		t.Errorf("after reload: %s", got)
	}
	if got := route("Jln rusak parah"); got != "/" {
		t.Errorf("a removed rule still routes: %s", got)
	}
}
