package main

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/config"
)

// budgetWarnings names each X account source whose schedule asks for more
// than two thirds of its read budget: the rest is what multi-page walks,
// Verify and "poll now" need. (The connector skips the extra scheduled
// polls anyway; the warning says the schedule promises more than it gets.)
func budgetWarnings(cfg *config.Config) []string {
	var out []string
	for _, a := range cfg.Accounts {
		x, ok := a.Settings.(*twitter.Settings)
		if !ok {
			continue
		}
		sched, err := config.ParseSchedule(a.Schedule)
		if err != nil {
			continue // reported by the decoder
		}
		polls := maxRunsPerWindow(sched, twitter.Window)
		for _, src := range a.Sources {
			budget := x.RateBudget[src]
			if budget == 0 {
				budget = twitter.DefaultMentionsBudget
				if src == twitter.SourceDirectMessages {
					budget = twitter.DefaultDMReadBudget
				}
			}
			share := budget * twitter.ScheduledShareNum / twitter.ScheduledShareDen
			if polls > share {
				out = append(out, fmt.Sprintf("account %s source %s: schedule %q polls up to %d times per 15 minutes, more than two thirds "+
					"(%d) of its X budget of %d requests (rate_budget.%s); walks, Verify and poll now need the rest. "+
					"Poll every %s or slower; inboxd skips the extra polls of this source.",
					a.Name, src, a.Schedule, polls, share, budget, src, twitter.MinScheduledInterval(budget)))
			}
		}
	}
	return out
}

// maxRunsPerWindow is the most runs of sched in any window over a day.
func maxRunsPerWindow(sched cron.Schedule, window time.Duration) int {
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	var runs []time.Time
	for t := sched.Next(start.Add(-time.Second)); t.Before(start.Add(24*time.Hour)) && len(runs) < 100_000; t = sched.Next(t) {
		runs = append(runs, t)
	}
	best, lo := 0, 0
	for hi := range runs {
		for runs[hi].Sub(runs[lo]) >= window {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
