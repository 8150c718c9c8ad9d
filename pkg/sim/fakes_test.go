package sim

import (
	"net/http"
	"strings"
	"testing"
)

func TestStartFakesAndTheirAccounts(t *testing.T) {
	f, err := StartFakes(false)
	if err != nil {
		t.Fatal(err)
	}
	// connectors/registry's tests load AccountsYAML with the platforms.
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
