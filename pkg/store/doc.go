// Package store is inboxd's durable queue: one bbolt file holding the items,
// their indexes and counters, the outbox of replies, API tokens, per-account
// poll cursors and pipeline state.
//
// # Rules
//
// Every logical change is one write transaction: an item, every index entry
// that points at it and every counter it feeds are written together, so a
// crash leaves either all of them or none. Lists are cursor seeks on an
// index; stats read counters. Values are copied before a transaction ends.
// Events go to Options.Notify after the commit, in commit order.
//
// # Bucket tree (schema version 2, see schemaVersion)
//
// Notation: "a|b" is a and b joined by one 0x00 byte; id16 is a ULID's 16
// bytes (big-endian time first, so ids sort by creation); t8 is a uint64
// big-endian of Unix nanoseconds; u4 is a uint32 big-endian. Strings used in
// keys (status, unit, account, tag, ...) never contain 0x00.
//
//	meta            "schema" -> u4 schema version
//	items           id16 -> item JSON, exactly as the API serves it
//	dedup           channel|account|external_id -> id16
//	ix_status       status|id16 -> t8(received_at)       (every item)
//	ix_status_unit  status|unit|id16 -> t8(received_at)  (every item; unit "" = none)
//	ix_account      account|id16
//	ix_channel_kind channel|kind|id16
//	ix_assignee     assignee|id16            (assigned items)
//	ix_tag          tag|id16                 (one per tag)
//	ix_thread_author channel|account|thread|author|id16  (items with a thread;
//	                the range channel|account|thread| is the whole thread)
//	notes           item id16 note id16 -> note JSON
//	audit           item id16 entry id16 -> audit entry JSON
//	counters        see below -> int64 big-endian (absent = 0)
//	replies         id16 -> reply JSON, exactly as the API serves it
//	rx_item         item id16 reply id16
//	rx_state        state|reply id16
//	rx_account      account|reply id16
//	rx_account_state account|state|reply id16
//	outbox          account|t8(due) reply id16   (queued replies only; due =
//	                next_attempt_at, else created_at)
//	rx_pending      threadkey|reply id16  (queued, sending and unknown replies;
//	                threadkey = channel|account|thread, or
//	                channel|account|"#"external_id for an item without thread)
//	rx_idem         item id16 [0x00 owner 0x00] idempotency key -> reply id16
//	ext_dedup       channel|account|external_id of a sent or external reply -> reply id16
//	resp_hour       unitkey|u4(hours since epoch)  -> histogram (kept 31 days)
//	resp_day        unitkey|u4(days since epoch, UTC) -> histogram (kept 31 days)
//	resp_month      unitkey|u4(year*100+month in Options.Location) -> histogram (kept)
//	tokens          name -> token JSON (with the SHA-256 hash of the secret)
//	token_hash      sha256(secret) -> name
//	accounts        account -> AccountState JSON
//	account_kv      account|key -> value
//	cursors         account -> poll cursor
//	users           username -> user JSON (argon2id password hash, the
//	                sha256 of its set-password code and the code's expiry)
//	user_codes      sha256(set-password code) -> username
//	user_audit      username|id16 -> audit entry JSON (who changed the user)
//	sessions        sha256(session id) -> session JSON (username, times)
//	user_sessions   username|sha256(session id) -> "" (sign out everywhere)
//	quarantine      id16 -> quarantined record JSON (see QuarantineRecord)
//	qx_account      account|id16
//	q_summary       account -> QuarantineSummary JSON (count, last reason and time)
//	q_dedup         account|source|external_id -> id16 (records with an external id:
//	                a record re-read by a later poll is not quarantined twice)
//	tickets         u4(year of received_at in Options.Location) -> uint64 BE: the
//	                year's last ticket number (gap-free: written with the item)
//	ticket_first    ticket -> id16 of the item the number was issued to (one
//	                per ticket, appended in number order; the ticket's other
//	                items follow it in its case's ix_thread_author range)
//	ix_external_ref external_ref|id16        (items with an external_ref)
//	report          u4(month)|unit|kind|rest -> int64 (the monthly report's counters;
//	                layout and kinds in reportcounters.go)
//	report_closed   id16 -> t8 (when a closed item was closed)
//	templates       name -> reply template JSON (inbox.Template)
//	template_audit  name|id16 -> audit entry JSON (kept after a deletion)
//	ack_case        channel|account|thread|author -> t8 of the case's last
//	                automatic acknowledgement (the quiet period)
//
// Meta also holds "tickets_done" once the items stored before tickets
// existed were numbered, and "tickets_at", the id16 where that migration
// (run by Open, in batches, before anything else writes) stopped.
//
// Ids are handed out in received order (received_at never steps back within
// the file), so ix_status and ix_status_unit double as by-received indexes:
// the oldest waiting item of a unit is the first key under new|unit| or
// open|unit|, and its value is the received_at that Stats reports.
//
// # Lists
//
// A list walks one or more key ranges of one index backwards (newest first)
// or forwards from the cursor's id, merging ranges by id: statuses (OR-ed)
// and a unit use ix_status_unit, one range per status ("50 newest waiting
// items of a unit" is two seeks and fifty steps); otherwise the first of
// assignee, tag, unit (five status ranges), statuses, account, channel/kind
// that the filter names. Statuses plus an account take whichever the
// counters say is shorter. Filters the chosen index does not cover, and
// text queries, are checked on the item, at most Filter.MaxScan items per
// call; the page then comes back short with a cursor to continue. The
// cursor is the last id examined, so it stays valid while items arrive or
// change.
//
// unitkey is 0x01 for the whole office and 0x02 followed by the unit name for
// one unit (0x02 alone for items without unit).
//
// A histogram is a run of (byte bucket, uvarint count) pairs sorted by
// bucket; bucket 0 holds times under a second and bucket i ≥ 1 times in
// [2^((i-1)/4), 2^(i/4)) seconds, so a percentile is within ±9 %.
//
// Counter keys (each item counts once in every one of its keys):
//
//	"st|" status                   items per status
//	"su|" unit "|" status          items per unit and status
//	"sa|" account "|" status       items per account and status
//	"sc|" channel "|" status       items per channel and status
//	"tu|" unit, "ta|" account, "tc|" channel          items per unit/account/channel
//	"tua|" unit "|" account, "tuc|" unit "|" channel  the same within a unit
//	"rs|" state, "rsu|" unit "|" state                 replies per state (per unit of their item)
//	"ra|" state, "rau|" unit "|" state                 automatic acknowledgements per state (apart from people's replies)
//	"rd", "rdu|" unit                                 unknown replies needing an operator's decision
//
// # Write generation
//
// Generation returns an in-memory counter (not stored; it restarts on each
// Open) that write bumps after every write transaction's commit and before
// the writing method returns (also after one that failed: a needless bump
// only costs a cache rebuild). A transaction rolled back because it changed
// nothing does not bump it, and neither does an Ingest of a page with
// nothing new, which opens no write transaction at all. A reader that takes
// the generation before its read transaction and finds it unchanged later
// knows its result is still what a new read would return; a commit racing
// the read leaves the generation changed, so such a result is never trusted.
//
// # Migrations
//
// The meta bucket's schema version is checked on Open: a newer file is
// refused (ErrNewerSchema); an older one is brought up to date by the
// migrations list, one step per version, inside the opening transaction.
//
//	1 → 2  ix_ticket (ticket|id16 for every ticketed item) became
//	       ticket_first (one key per ticket): migrateTicketIndex.
package store

// schemaVersion is the layout described in the package comment.
const schemaVersion = 2
