package metagraph

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/pkg/inbox"
)

// Walker runs the newest-first walk of every source of one account, at
// most MaxPages pages per source and poll: the Poll of a Meta connector.
type Walker struct {
	Sources  []string
	Lookback time.Duration // how far back a source's first walk reaches
	MaxPages int
	Now      func() time.Time
	Log      *slog.Logger
	// Head is the first request of a walk over src.
	Head func(src string, st *Source) Step
	// Fetch reads one page of a walk: its new entries, rejected records
	// and the pages to read next.
	Fetch func(ctx context.Context, st *Source, stp Step) (Batch, error)
}

// Poll reads what arrived since cursor.
func (c Walker) Poll(ctx context.Context, cursor []byte) (connectors.Page, error) {
	pc, err := DecodeCursor(cursor)
	if err != nil {
		// A cursor we cannot read is not worth stopping the account for:
		// start over from the look-back; dedup absorbs the re-read.
		c.Log.Warn("unreadable poll cursor, starting over from the look-back window", "error", err.Error())
		pc = nil
	}
	now := c.Now().UTC().Truncate(time.Second)
	if pc == nil {
		pc = &Cursor{V: CursorVersion}
	}
	next := &Cursor{V: CursorVersion, Sources: map[string]*Source{}}
	for _, src := range c.Sources {
		st := pc.Sources[src]
		backfill := st == nil
		if st == nil { // first poll, or a source added to the config
			st = &Source{Watermark: now.Add(-c.Lookback)}
		}
		if st.Walk == nil {
			// Started here, not in the loop below, so a walk an error keeps
			// from starting still remembers that it is the look-back import.
			st.Walk = &Walk{Target: st.Watermark, TargetIDs: slices.Clone(st.Boundary),
				Pending: []Step{c.Head(src, st)}, Backfill: backfill}
		}
		next.Sources[src] = st
	}

	var page connectors.Page
sources:
	for _, src := range c.Sources {
		// max_pages_per_poll bounds each source, so a long walk on one
		// source never starves the others.
		budget := c.MaxPages
		st := next.Sources[src]
		for len(st.Walk.Pending) > 0 && budget > 0 {
			stp := st.Walk.Pending[0]
			budget--
			// A page that fails half-way must not move the target: its
			// items are dropped, so the watermark may not pass them.
			target, targetIDs := st.Walk.Target, slices.Clone(st.Walk.TargetIDs)
			b, err := c.Fetch(ctx, st, stp)
			if err != nil {
				st.Walk.Target, st.Walk.TargetIDs = target, targetIDs
				if len(page.Items)+len(page.External)+len(page.Rejected) == 0 {
					return connectors.Page{}, err
				}
				// Keep what was read (its cursor is safe to commit); the
				// error comes back on the next poll, which More asks for soon.
				page.More = true
				break sources
			}
			st.Walk.Pending = append(b.Follow, st.Walk.Pending[1:]...)
			page.Items = append(page.Items, b.Items...)
			page.External = append(page.External, b.Ext...)
			page.Rejected = append(page.Rejected, b.Rejected...)
		}
		if len(st.Walk.Pending) == 0 {
			st.Finish()
		} else {
			page.More = true
		}
	}
	slices.SortStableFunc(page.Items, func(a, b inbox.Item) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ExternalID, b.ExternalID))
	})
	slices.SortStableFunc(page.External, func(a, b inbox.ExternalReply) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ExternalID, b.ExternalID))
	})
	page.Cursor = next.Encode()
	return page, nil
}
