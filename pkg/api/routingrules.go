package api

import "net/http"

// routingRule is one running rule, with the config file's key names; empty
// keys are left out, as in the file.
type routingRule struct {
	Name         string   `json:"name"`
	AnyWords     []string `json:"any_words,omitempty"`
	AllWords     []string `json:"all_words,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Channel      string   `json:"channel,omitempty"`
	Account      string   `json:"account,omitempty"`
	Kind         string   `json:"kind,omitempty"`
	AuthorHandle string   `json:"author_handle,omitempty"`
	Unit         string   `json:"unit,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	Priority     string   `json:"priority,omitempty"`
	Assignee     string   `json:"assignee,omitempty"`
	Status       string   `json:"status,omitempty"`
}

// listRoutingRules is GET /api/v1/routing/rules: the rules the daemon routes
// with now (after the last reload), first match wins. A unit-scoped caller
// sees the rules that send items to its unit.
func (s *Server) listRoutingRules(w http.ResponseWriter, r *http.Request) error {
	sc := scope(r)
	out := struct {
		Rules []routingRule `json:"rules"`
	}{Rules: []routingRule{}}
	for _, rl := range s.rules.Load().Rules() {
		if sc != "" && rl.Unit != sc {
			continue
		}
		out.Rules = append(out.Rules, routingRule{Name: rl.Name, AnyWords: rl.AnyWords, AllWords: rl.AllWords, Regex: rl.Regex,
			Channel: rl.Channel, Account: rl.Account, Kind: rl.Kind, AuthorHandle: rl.AuthorHandle,
			Unit: rl.Unit, Tags: rl.Tags, Priority: rl.Priority, Assignee: rl.Assignee, Status: rl.Status})
	}
	return writeJSON(w, http.StatusOK, out)
}
