package main

import (
	"math"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store/storebench"
)

// Stats runs the one statement and folds its rows into a Snapshot.
func (p *Peer) Stats() (storebench.Snapshot, error) {
	snap := storebench.Snapshot{
		ByStatus:     map[inbox.Status]int64{},
		ByUnitStatus: map[string]inbox.StatusCounts{},
		ByAccount:    map[string]int64{},
	}
	rows, err := p.stats.Query()
	if err != nil {
		return snap, err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int64
		if err := rows.Scan(&key, &n); err != nil {
			return snap, err
		}
		parts := strings.Split(key, "|")
		switch {
		case key == "oldest":
			if n != math.MaxInt64 {
				snap.OldestWaiting = time.Unix(0, n).UTC()
			}
		case parts[0] == ckStatus && len(parts) == 2:
			snap.ByStatus[inbox.Status(parts[1])] = n
		case parts[0] == ckUnitStatus && len(parts) == 3:
			us := snap.ByUnitStatus[parts[1]]
			us.Add(inbox.Status(parts[2]), n)
			snap.ByUnitStatus[parts[1]] = us
		case parts[0] == ckAccount && len(parts) == 2:
			snap.ByAccount[parts[1]] = n
		}
	}
	return snap, rows.Err()
}
