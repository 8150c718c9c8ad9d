package metagraph

import (
	"encoding/json"
	"net/http"
)

// appUsage is X-App-Usage (and X-Page-Usage): percentages of the budget.
type appUsage struct {
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
}

// bucUsage is one entry of X-Business-Use-Case-Usage.
type bucUsage struct {
	Type                        string  `json:"type"`
	CallCount                   float64 `json:"call_count"`
	TotalCPUTime                float64 `json:"total_cputime"`
	TotalTime                   float64 `json:"total_time"`
	EstimatedTimeToRegainAccess float64 `json:"estimated_time_to_regain_access"` // minutes
}

// UsageFrom reads Graph's usage headers (X-App-Usage, X-Page-Usage,
// X-Business-Use-Case-Usage; Instagram's use case is "instagram"): the
// highest percentage any of them reports, and the longest
// estimated_time_to_regain_access (minutes).
func UsageFrom(h http.Header) (pct float64, regainMinutes float64, found bool) {
	for _, name := range []string{"X-App-Usage", "X-Page-Usage"} {
		if v := h.Get(name); v != "" {
			var u appUsage
			if json.Unmarshal([]byte(v), &u) == nil {
				pct = max(pct, u.CallCount, u.TotalCPUTime, u.TotalTime)
				found = true
			}
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var byID map[string][]bucUsage
		if json.Unmarshal([]byte(v), &byID) == nil {
			for _, list := range byID {
				for _, u := range list {
					pct = max(pct, u.CallCount, u.TotalCPUTime, u.TotalTime)
					regainMinutes = max(regainMinutes, u.EstimatedTimeToRegainAccess)
					found = true
				}
			}
		}
	}
	return pct, regainMinutes, found
}
