package main

import (
	"github.com/inboxd/inboxd/pkg/autoack"
	"github.com/inboxd/inboxd/pkg/config"
)

// ackPolicies are the accounts' auto_ack blocks as the acker runs them.
func ackPolicies(cfg *config.Config) map[string]autoack.Policy {
	out := map[string]autoack.Policy{}
	for _, a := range cfg.Accounts {
		if a.AutoAck == nil || !a.Enabled {
			continue
		}
		out[a.Name] = autoack.Policy{
			OfficeHoursTemplate: a.AutoAck.OfficeHoursTemplate,
			AfterHoursTemplate:  a.AutoAck.AfterHoursTemplate,
			Kinds:               a.AutoAck.Kinds,
			QuietPeriod:         a.AutoAck.QuietPeriod,
			OwnID:               ownID(a),
		}
	}
	return out
}

// ownID is the account's own id on its platform (a Page id, an X user
// id): its messages are the office's, never acknowledged.
func ownID(a config.Account) string {
	if s, ok := a.Settings.(interface{ OwnID() string }); ok {
		return s.OwnID()
	}
	return ""
}
