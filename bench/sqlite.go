package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/mattn/go-sqlite3"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
	"github.com/inboxd/inboxd/pkg/store/storebench"
)

// The peer's tuning, as ../shared/bench-workload.md lists it: WAL,
// synchronous=FULL (durable per commit), a busy timeout, a 32 MiB page
// cache, temp_store=MEMORY and wal_autocheckpoint=10000, set on every
// connection.
var pragmas = []string{
	"PRAGMA journal_mode=WAL",
	"PRAGMA synchronous=FULL",
	"PRAGMA busy_timeout=5000",
	"PRAGMA cache_size=-32768",
	"PRAGMA temp_store=MEMORY",
	"PRAGMA wal_autocheckpoint=10000",
}

const driverName = "sqlite3_inboxd_peer"

var registerOnce sync.Once

func register() {
	registerOnce.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range pragmas {
				if _, err := c.Exec(p, nil); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
			return nil
		}})
	})
}

// One table with the item JSON and the indexed columns; the dedup key is
// the unique constraint; covering indexes for status, unit × status and
// threads; counters in a table of their own, updated in the same
// transaction.
const schema = `
CREATE TABLE IF NOT EXISTS items (
	seq         INTEGER PRIMARY KEY,
	channel     TEXT NOT NULL,
	account     TEXT NOT NULL,
	external_id TEXT NOT NULL,
	status      TEXT NOT NULL,
	unit        TEXT NOT NULL,
	thread_id   TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	item        BLOB NOT NULL,
	UNIQUE (channel, account, external_id)
);
CREATE INDEX IF NOT EXISTS ix_status ON items (status, received_at);
CREATE INDEX IF NOT EXISTS ix_unit_status ON items (unit, status, received_at);
CREATE INDEX IF NOT EXISTS ix_thread ON items (thread_id);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (account TEXT PRIMARY KEY, cursor BLOB NOT NULL) WITHOUT ROWID;
`

// Counter key prefixes (joined with "|").
const (
	ckStatus     = "st"
	ckUnitStatus = "su"
	ckAccount    = "ta"
)

// statsQuery is the whole dashboard in one statement: every counter plus
// the oldest waiting item (two index seeks).
const statsQuery = `
SELECT key, n FROM counters
UNION ALL
SELECT 'oldest', min(
	coalesce((SELECT received_at FROM items WHERE status = 'new' ORDER BY received_at LIMIT 1), 9223372036854775807),
	coalesce((SELECT received_at FROM items WHERE status = 'open' ORDER BY received_at LIMIT 1), 9223372036854775807))`

const listQuery = `SELECT item FROM items WHERE unit = ? AND status = 'open' ORDER BY received_at DESC, seq DESC LIMIT ?`

// Peer is the SQLite store: one writer connection with prepared
// statements, a pool of readers.
type Peer struct {
	mu     sync.Mutex // the one writer: pages ready at once queue for it
	path   string
	w, r   *sql.DB
	insert *sql.Stmt
	count  *sql.Stmt
	cursor *sql.Stmt
	list   *sql.Stmt
	stats  *sql.Stmt
	seq    int64
}

var _ storebench.Target = (*Peer)(nil)

// OpenPeer opens (creating) the peer's database at path.
func OpenPeer(path string) (*Peer, error) {
	register()
	p := &Peer{path: path}
	return p, p.Reopen()
}

// Reopen opens the database and prepares the statements.
func (p *Peer) Reopen() error {
	w, err := sql.Open(driverName, "file:"+p.path+"?_txlock=immediate")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open(driverName, "file:"+p.path+"?mode=ro")
	if err != nil {
		w.Close()
		return err
	}
	p.w, p.r = w, r
	fail := func(err error) error { p.Close(); return err }
	if _, err := w.Exec(schema); err != nil {
		return fail(err)
	}
	if err := w.QueryRow(`SELECT coalesce(max(seq), 0) FROM items`).Scan(&p.seq); err != nil {
		return fail(err)
	}
	for _, s := range []struct {
		db  *sql.DB
		dst **sql.Stmt
		sql string
	}{
		{w, &p.insert, `INSERT INTO items (seq, channel, account, external_id, status, unit, thread_id, received_at, item)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, account, external_id) DO NOTHING`},
		{w, &p.count, `INSERT INTO counters (key, n) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`},
		{w, &p.cursor, `INSERT INTO cursors (account, cursor) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET cursor = excluded.cursor`},
		{r, &p.list, listQuery},
		{r, &p.stats, statsQuery},
	} {
		if *s.dst, err = s.db.Prepare(s.sql); err != nil {
			return fail(fmt.Errorf("prepare %q: %w", s.sql, err))
		}
	}
	return nil
}

// Close closes both pools (the last close checkpoints the WAL).
func (p *Peer) Close() error {
	var first error
	for _, db := range []*sql.DB{p.r, p.w} {
		if db == nil {
			continue
		}
		if err := db.Close(); err != nil && first == nil {
			first = err
		}
	}
	p.r, p.w = nil, nil
	return first
}

// Files are the database and its WAL.
func (p *Peer) Files() []string { return []string{p.path, p.path + "-wal", p.path + "-shm"} }

// Settle does nothing: the peer stores each item's triaged status at ingest.
func (p *Peer) Settle() error { return nil }

// Ingest writes the page in one transaction: the items, counter deltas
// summed per page and the cursor.
func (p *Peer) Ingest(page *workload.Page) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tx, err := p.w.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	insert := tx.Stmt(p.insert)
	deltas := map[string]int64{}
	added := 0
	at := page.ReceivedAt.UnixNano()
	for j := range page.Items {
		it := page.Items[j]
		it.Status = page.Want[j]
		it.Priority = inbox.PriorityNormal
		it.ReceivedAt = page.ReceivedAt
		it.ID = strconv.FormatInt(p.seq+1, 10)
		raw, err := json.Marshal(&it)
		if err != nil {
			return 0, err
		}
		res, err := insert.Exec(p.seq+1, string(it.Channel), it.Account, it.ExternalID, string(it.Status), it.Unit, it.ThreadID, at, raw)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		p.seq++
		added++
		deltas[ckStatus+"|"+string(it.Status)]++
		deltas[ckUnitStatus+"|"+it.Unit+"|"+string(it.Status)]++
		deltas[ckAccount+"|"+it.Account]++
	}
	if len(deltas) > 0 {
		count := tx.Stmt(p.count)
		for k, d := range deltas {
			if _, err := count.Exec(k, d); err != nil {
				return 0, err
			}
		}
	}
	if page.Cursor != nil {
		if _, err := tx.Stmt(p.cursor).Exec(page.Account, page.Cursor); err != nil {
			return 0, err
		}
	}
	return added, tx.Commit()
}

// ListOpen lists the newest open items of unit.
func (p *Peer) ListOpen(unit string, limit int) ([]inbox.Item, error) {
	rows, err := p.list.Query(unit, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inbox.Item
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var it inbox.Item
		if err := json.Unmarshal(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
