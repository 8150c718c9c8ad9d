package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Defaults of Options.
const (
	DefaultLockTimeout = time.Second
	DefaultLocation    = "Asia/Jakarta"
	fileMode           = 0o600
)

// Store is the bbolt-backed queue. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	path   string
	now    func() time.Time
	loc    *time.Location
	log    *slog.Logger
	notify func(Event)
	rules  inbox.ReplyRules
	// anyChannel: opened without reply tables, so no channel is checked.
	anyChannel bool
	closed     atomic.Bool
	// ticketPrefix starts the ticket numbers ingest hands out.
	ticketPrefix string
	workingTime  func(from, to time.Time) time.Duration

	diskFree         func(dir string) (uint64, error)
	maxTokens        int
	backupBusy       atomic.Bool // a backup copy exists (BackupFile until Close)
	quarantineLimits QuarantineLimits
	// gen counts write transactions that committed (see Generation).
	gen atomic.Uint64
	// statsUnits is how many units the last office-wide Stats found: the
	// next one sizes its maps by it.
	statsUnits atomic.Int32

	// writeMu serialises write transactions with the id generator and event
	// delivery; notifyMu keeps deliveries in commit order.
	writeMu  sync.Mutex
	group    commitGroup
	notifyMu sync.Mutex
	entropy  io.Reader // monotonic ULID entropy, owned by this store
	lastID   ulid.ULID
	lastRecv time.Time // received_at never steps back, so id order is received order
}

// migration upgrades a file from version v to v+1 inside the opening
// transaction; migrations[v] is that step.
type migration func(tx *bolt.Tx) error

// migrations lists the steps from each older schema version; version 0 is
// a fresh file.
func migrations() map[uint32]migration {
	return map[uint32]migration{1: migrateTicketIndex}
}

// Open opens (creating if needed, mode 0600) the data file at path.
func Open(path string, opts Options) (*Store, error) {
	return openWith(path, opts, schemaVersion, migrations())
}

func openWith(path string, opts Options, version uint32, migs map[uint32]migration) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation(DefaultLocation)
		if err != nil {
			// No zoneinfo on the host (a bare container): Jakarta has
			// kept UTC+7 without daylight saving since 1964.
			loc = time.FixedZone("WIB", 7*3600)
		}
		opts.Location = loc
	}
	db, err := bolt.Open(path, fileMode, &bolt.Options{Timeout: opts.LockTimeout, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w: another inboxd process holds it (waited %s); stop it or use its API", path, ErrLocked, opts.LockTimeout)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{
		db:           db,
		path:         path,
		now:          opts.Now,
		loc:          opts.Location,
		log:          opts.Logger,
		notify:       opts.Notify,
		ticketPrefix: opts.TicketPrefix,
		workingTime:  opts.WorkingTime,
		rules:        opts.Replies,
		anyChannel:   len(opts.Replies.Channels()) == 0,

		quarantineLimits: opts.Quarantine.withDefaults(),
	}
	if s.ticketPrefix == "" {
		s.ticketPrefix = inbox.DefaultTicketPrefix
	}
	s.maxTokens = opts.MaxTokens
	s.diskFree = opts.DiskFree
	if s.diskFree == nil {
		s.diskFree = diskFree
	}
	s.entropy = ulid.Monotonic(rand.Reader, 0)
	if err := s.init(version, migs); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Holding the file lock, no other process can be writing a backup
	// copy here: any left is from a process killed mid-download.
	s.removeStaleBackups()
	if err := s.migrateTickets(ticketBatch); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := s.migrateReport(reportBatch); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

// init creates buckets, checks and migrates the schema, restores the id
// watermark and moves replies left in sending by a crash to unknown.
func (s *Store) init(version uint32, migs map[uint32]migration) error {
	var recovered int
	err := s.write(func(w *wctx) error {
		tx := w.tx
		meta, err := tx.CreateBucketIfNotExists(bMeta)
		if err != nil {
			return err
		}
		var have uint32
		if v := meta.Get([]byte("schema")); len(v) == 4 {
			have = binary.BigEndian.Uint32(v)
		}
		if have > version {
			return fmt.Errorf("%w: schema version %d, this inboxd understands up to %d; run the newer inboxd or restore a backup", ErrNewerSchema, have, version)
		}
		fresh := have == 0 && tx.Bucket(bItems) == nil
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if !fresh {
			for v := have; v < version; v++ {
				m, ok := migs[v]
				if !ok {
					return fmt.Errorf("no migration from schema version %d", v)
				}
				if err := m(tx); err != nil {
					return fmt.Errorf("migrate schema %d→%d: %w", v, v+1, err)
				}
			}
		}
		if err := meta.Put([]byte("schema"), putU4(nil, version)); err != nil {
			return err
		}
		for _, b := range [][]byte{bItems, bReplies, bNotes} {
			if k, _ := tx.Bucket(b).Cursor().Last(); k != nil {
				var id ulid.ULID
				if b[0] == 'n' { // notes: item id16 note id16
					copy(id[:], k[idLen:])
				} else {
					copy(id[:], k)
				}
				if id.Compare(s.lastID) > 0 {
					s.lastID = id
				}
			}
		}
		if k, v := tx.Bucket(bItems).Cursor().Last(); k != nil {
			var last struct {
				ReceivedAt time.Time `json:"received_at"`
			}
			if err := json.Unmarshal(v, &last); err != nil {
				return fmt.Errorf("item %s: %w", idString(k), err)
			}
			s.lastRecv = last.ReceivedAt
		}
		if err := pruneQuarantine(tx, s.quarantineLimits, w.now); err != nil {
			return err
		}
		recovered, err = w.recoverSending()
		return err
	})
	if err != nil {
		return err
	}
	if recovered > 0 {
		s.log.Warn("replies found in sending after a restart were moved to unknown; they will be verified, never re-sent blindly", "count", recovered)
	}
	return nil
}

// Close closes the data file.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.db.Close()
}

// Path is the data file's path.
func (s *Store) Path() string { return s.path }

// newID returns a fresh, strictly increasing ULID (called with writeMu held).
func (s *Store) newID(t time.Time) []byte {
	id, err := ulid.New(ulid.Timestamp(t), s.entropy)
	if err != nil || id.Compare(s.lastID) <= 0 {
		id = incID(s.lastID)
	}
	s.lastID = id
	b := make([]byte, idLen)
	copy(b, id[:])
	return b
}

// receivedAt is now, or the last received_at when the clock stepped back
// (called with writeMu held).
func (s *Store) receivedAt(now time.Time) time.Time {
	if now.Before(s.lastRecv) {
		now = s.lastRecv
	}
	s.lastRecv = now
	return now
}

// wctx is one write transaction with its pending counter deltas and events.
type wctx struct {
	s      *Store
	tx     *bolt.Tx
	now    time.Time
	deltas map[string]int64
	events []Event
	noop   bool // fn changed nothing: roll back instead of committing

	counterKeys map[[5]string][]string // see countItem
	repDeltas   map[string]int64       // monthly report counters (reportcounters.go)
}

// appendMostly are buckets whose keys mostly arrive in ascending order
// (new ids at the end of each key range): filling their pages fuller than
// bbolt's default half keeps the file and each commit's writes smaller.
var appendMostly = [][]byte{bItems, bTicketFirst, bDedup, bIxStatus, bIxStatusUnit, bIxAccount, bIxChannelKind, bReplies, bRxState, bRxAccount, bRxAccountState, bRxItem}

const appendFill = 0.9

// errNoop rolls back a write transaction that changed nothing.
var errNoop = errors.New("no change")

func (w *wctx) emit(e Event) {
	e.At = w.now
	w.events = append(w.events, e)
}

// write runs fn in one write transaction, applies counter deltas inside it
// and delivers events after the commit, in commit order.
func (s *Store) write(fn func(w *wctx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.writeMu.Lock()
	w := &wctx{s: s, now: s.now().UTC(), deltas: map[string]int64{}}
	err := s.db.Update(func(tx *bolt.Tx) error {
		w.tx = tx
		for _, name := range appendMostly {
			if b := tx.Bucket(name); b != nil {
				b.FillPercent = appendFill
			}
		}
		if err := fn(w); err != nil {
			return err
		}
		if len(w.events) == 0 && w.noop {
			return errNoop
		}
		if err := w.applyReport(); err != nil {
			return err
		}
		return w.applyDeltas()
	})
	if err == errNoop {
		err = nil
	} else {
		// Bumped after the commit, before the caller returns: a reader that
		// loaded the old value may have read the old data, and is therefore
		// never trusted past this point. A failed Update bumps too; that
		// costs a cache rebuild, never a stale read.
		s.gen.Add(1)
	}
	if err != nil || len(w.events) == 0 || s.notify == nil {
		s.writeMu.Unlock()
		return mapClosed(err)
	}
	s.notifyMu.Lock()
	s.writeMu.Unlock()
	defer s.notifyMu.Unlock()
	for _, e := range w.events {
		s.notify(e)
	}
	return nil
}

// Generation is a counter that grows after every write transaction that
// committed (ingest, item changes, notes, the outbox, tokens, account state,
// cursors), and harmlessly after one that failed: equal values before and
// after a read mean nothing was written in between. Take it BEFORE reading and tag what was read with it; the read
// is current only while Generation still returns that value. A write that
// changes nothing (a re-read poll page, a PATCH to the same values) opens no
// transaction or rolls it back, and leaves it unchanged. It starts at an
// arbitrary value on each Open; compare, do not interpret.
func (s *Store) Generation() uint64 { return s.gen.Load() }

func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return mapClosed(s.db.View(fn))
}

func mapClosed(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// validText reports whether s is free of control characters (and 0x00,
// which the key layout reserves).
func validText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
