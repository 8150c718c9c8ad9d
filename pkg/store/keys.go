package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"
)

// Bucket names; the layout is documented in doc.go.
var (
	bMeta           = []byte("meta")
	bItems          = []byte("items")
	bDedup          = []byte("dedup")
	bIxStatus       = []byte("ix_status")
	bIxStatusUnit   = []byte("ix_status_unit")
	bIxAccount      = []byte("ix_account")
	bIxChannelKind  = []byte("ix_channel_kind")
	bIxAssignee     = []byte("ix_assignee")
	bIxTag          = []byte("ix_tag")
	bIxThreadAuthor = []byte("ix_thread_author")
	bNotes          = []byte("notes")
	bAudit          = []byte("audit")
	bCounters       = []byte("counters")
	bReplies        = []byte("replies")
	bRxItem         = []byte("rx_item")
	bRxState        = []byte("rx_state")
	bRxAccount      = []byte("rx_account")
	bRxAccountState = []byte("rx_account_state")
	bOutbox         = []byte("outbox")
	bRxPending      = []byte("rx_pending")
	bRxIdem         = []byte("rx_idem")
	bExtDedup       = []byte("ext_dedup")
	bRespHour       = []byte("resp_hour")
	bRespDay        = []byte("resp_day")
	bRespMonth      = []byte("resp_month")
	bTokens         = []byte("tokens")
	bTokenHash      = []byte("token_hash")
	bAccounts       = []byte("accounts")
	bAccountKV      = []byte("account_kv")
	bCursors        = []byte("cursors")
	bUsers          = []byte("users")
	bUserCodes      = []byte("user_codes")
	bUserAudit      = []byte("user_audit")
	bSessions       = []byte("sessions")
	bUserSessions   = []byte("user_sessions")
	bTickets        = []byte("tickets")
	bTicketFirst    = []byte("ticket_first")
	// bIxTicket (ticket|id16 for every ticketed item) is schema 1's; the
	// migration to 2 builds ticket_first from it and drops it.
	bIxTicket      = []byte("ix_ticket")
	bIxExtRef      = []byte("ix_external_ref")
	bIxDue         = []byte("ix_due")
	bIxOverdue     = []byte("ix_overdue")
	bQuarantine    = []byte("quarantine")
	bQxAccount     = []byte("qx_account")
	bQSummary      = []byte("q_summary")
	bQDedup        = []byte("q_dedup")
	bTemplates     = []byte("templates")
	bTemplateAudit = []byte("template_audit")
	bAckCase       = []byte("ack_case")
)

var allBuckets = [][]byte{
	bMeta, bItems, bDedup, bIxStatus, bIxStatusUnit, bIxAccount,
	bIxChannelKind, bIxAssignee, bIxTag, bIxThreadAuthor,
	bNotes, bAudit, bCounters, bReplies, bRxItem,
	bRxState, bRxAccount, bRxAccountState, bOutbox, bRxPending, bRxIdem,
	bExtDedup, bRespHour, bRespDay, bRespMonth, bTokens, bTokenHash,
	bAccounts, bAccountKV, bCursors,
	bUsers, bUserCodes, bUserAudit, bSessions, bUserSessions,
	bTickets, bTicketFirst, bIxExtRef,
	bIxDue, bIxOverdue,
	bQuarantine, bQxAccount, bQSummary, bQDedup,
	bReport, bReportClosed,
	bTemplates, bTemplateAudit, bAckCase,
}

const idLen = 16

// prefix joins parts with a 0x00 after each, the form of every index prefix.
func prefix(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n+idLen+8)
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	return b
}

// withID returns p followed by id, in a new slice.
func withID(p, id []byte) []byte {
	k := make([]byte, 0, len(p)+len(id))
	k = append(k, p...)
	return append(k, id...)
}

func parseID(s string) ([]byte, error) {
	u, err := ulid.ParseStrict(s)
	if err != nil {
		return nil, fmt.Errorf("id %q: %w", s, ErrNotFound)
	}
	b := make([]byte, idLen)
	copy(b, u[:])
	return b, nil
}

func idString(b []byte) string {
	var u ulid.ULID
	copy(u[:], b)
	return u.String()
}

func putT8(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixNano()))
}

func putU4(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

func dedupKey(channel, account, externalID string) []byte {
	return []byte(channel + "\x00" + account + "\x00" + externalID)
}

// clone copies a value read inside a transaction so it outlives it.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return bytes.Clone(b)
}

// incID returns the 128-bit successor of id (keeps ids strictly increasing
// when the clock stalls or steps back).
func incID(id ulid.ULID) ulid.ULID {
	for i := len(id) - 1; i >= 0; i-- {
		id[i]++
		if id[i] != 0 {
			break
		}
	}
	return id
}
