package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/inboxd/inboxd/connectors/facebook"
	"github.com/inboxd/inboxd/connectors/registry"
	"github.com/inboxd/inboxd/connectors/twitter"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim"
	"github.com/inboxd/inboxd/pkg/store"
)

// Accounts and units of the filled file; reads picks units from the same list.
const (
	fillFacebook = sim.FacebookAccount
	fillX        = sim.XAccount
	fillUnits    = 20
	dataFileName = "inboxd.db" // as cmd/inboxd names it inside data_dir
)

func unitName(i int) string { return fmt.Sprintf("unit%02d", i%fillUnits) }

// fill builds a data file through the store's public API, as the daemon
// would have: Ingest pages (already routed to a unit, so every unit has a
// queue), then some items moved to open by Update.
func fill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("fill", stderr)
	dir := fs.String("data", "", "data `dir` (created; must not hold a data file yet)")
	items := fs.Int("items", 1_000_000, "items to store")
	page := fs.Int("page", 5000, "items per Ingest call (one transaction each)")
	open := fs.Int("open", 1000, "items per unit moved to open (one Update each)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("fill: --data is required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(*dir, dataFileName)
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("fill: %s exists; give an empty dir", path)
	}
	st, err := store.Open(path, store.Options{Replies: registry.Replies(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer st.Close()

	start := time.Now()
	base := time.Now().Add(-time.Duration(*items) * time.Second)
	openIDs := make(map[string][]string, fillUnits) // unit → ids to open, newest last
	for lo := 0; lo < *items; lo += *page {
		if err := ctx.Err(); err != nil {
			return err
		}
		account := fillFacebook
		if (lo / *page)%3 == 2 {
			account = fillX
		}
		batch := make([]inbox.Item, 0, *page)
		for i := lo; i < min(lo+*page, *items); i++ {
			batch = append(batch, fillItem(account, i, base))
		}
		res, err := st.Ingest(account, batch, nil, nil)
		if err != nil {
			return fmt.Errorf("ingest items %d…: %w", lo, err)
		}
		for j, id := range res.NewIDs {
			u := unitName(lo + j)
			if len(openIDs[u]) < *open && (lo+j)%7 == 0 {
				openIDs[u] = append(openIDs[u], id)
			}
		}
		if (lo / *page)%20 == 19 {
			fmt.Fprintf(stderr, "%d items, %v\n", lo+len(batch), time.Since(start).Round(time.Second))
		}
	}
	ingested := time.Since(start)
	status := inbox.StatusOpen
	opened := 0
	for _, ids := range openIDs {
		for _, id := range ids {
			if _, err := st.Update(id, "loadrun", store.Change{Status: &status}); err != nil {
				return fmt.Errorf("open %s: %w", id, err)
			}
			opened++
		}
	}
	if err := st.Close(); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "filled %s: %d items in %v (%.0f items/s), %d opened in %v, %d bytes (%.0f B/item)\n",
		path, *items, ingested.Round(time.Millisecond), float64(*items)/ingested.Seconds(), opened,
		(time.Since(start) - ingested).Round(time.Millisecond), fi.Size(), float64(fi.Size())/float64(*items))
	return nil
}

// fillItem is a realistic citizen message: a Page comment or an X mention
// with a sentence of Indonesian, author, permalink and a unit.
func fillItem(account string, n int, base time.Time) inbox.Item {
	it := inbox.Item{
		Account:   account,
		Author:    inbox.Author{ID: fmt.Sprint(7000000000000000 + n%50000), Name: fmt.Sprintf("Warga Nomor %d", n%50000)},
		Text:      fmt.Sprintf("Mohon ditindaklanjuti, jalan di RT %02d RW %02d rusak parah sejak minggu lalu dan banyak lubang, membahayakan pengendara motor terutama malam hari. Terima kasih.", n%20, n%13),
		CreatedAt: base.Add(time.Duration(n) * time.Second).UTC().Truncate(time.Second),
		Unit:      unitName(n),
	}
	if account == fillX {
		it.Channel, it.Kind = twitter.Channel, inbox.KindMention
		it.ExternalID = fmt.Sprint(1860000000000000000 + n)
		it.ThreadID = it.ExternalID
		it.Author.Handle = fmt.Sprintf("warga%d", n%50000)
		it.Permalink = fmt.Sprintf("https://x.com/warga%d/status/%s", n%50000, it.ExternalID)
		return it
	}
	it.Channel, it.Kind = facebook.Channel, inbox.KindComment
	it.ThreadID = fmt.Sprintf("102030405060708_%09d", n/40)
	it.ExternalID = fmt.Sprintf("%09d_%09d", n/40, n)
	it.ParentID = it.ThreadID
	it.Permalink = fmt.Sprintf("https://www.facebook.com/102030405060708/posts/%09d?comment_id=%09d", n/40, n)
	return it
}
