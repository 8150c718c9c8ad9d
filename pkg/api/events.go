package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// sseBatch bounds how many events one wake-up writes before flushing.
const sseBatch = 256

// Publish turns a committed store change into a stream event. main wires
// the store's Options.Notify to it, so the stream also sees what the
// scheduler ingests and sends. The item or reply is looked up here, after
// the commit, and its JSON becomes the event's data.
func (s *Server) Publish(ev store.Event) {
	var (
		v   any
		err error
	)
	switch ev.Type {
	case store.EventItemCreated, store.EventItemUpdated, store.EventItemOverdue:
		var it inbox.Item
		it, err = s.store.Get(ev.ItemID)
		v = it
		if err == nil && it.Unit != ev.Unit {
			// A later commit moved the item on since this event's commit:
			// its current state belongs to another unit's streams (the
			// later event carries it there). Only say that it changed.
			v = map[string]string{"item_id": ev.ItemID}
		}
	case store.EventReplyQueued, store.EventReplySent, store.EventReplyFailed, store.EventReplyUpdated:
		v, err = s.store.Reply(ev.ReplyID)
	default:
		err = store.ErrNotFound
	}
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("event lookup", "type", ev.Type, "item", ev.ItemID, "reply", ev.ReplyID, "err", err)
		}
		// Still tell listeners that something changed.
		v = map[string]string{"item_id": ev.ItemID, "reply_id": ev.ReplyID}
	}
	data, err := json.Marshal(v)
	if err != nil {
		s.log.Error("event encode", "type", ev.Type, "err", err)
		return
	}
	if ev.FromUnit != "" && ev.FromUnit != ev.Unit {
		// The old unit's streams may no longer see the item: tell them it
		// left (its id only), so their lists stay true.
		out, _ := json.Marshal(movedOut{ItemID: ev.ItemID, Change: "moved out"})
		s.hub.Publish(eventMovedOut, ev.FromUnit, out)
	}
	s.hub.Publish(string(ev.Type), ev.Unit, data)
}

// eventMovedOut tells a unit's streams that an item left the unit. Streams
// of every unit skip it: they receive the item's update itself.
const eventMovedOut = "item.moved_out"

type movedOut struct {
	ItemID string `json:"item_id"`
	Change string `json:"change"`
}

// eventStream serves Server-Sent Events until the client leaves or the
// server shuts down.
func (s *Server) eventStream(w http.ResponseWriter, r *http.Request) error {
	key := principalFrom(r).key()
	if p := s.streamStarted(key); p != nil {
		return p
	}
	defer s.streamEnded(key)
	sub, ok := s.hub.Subscribe()
	if !ok {
		return problem(http.StatusServiceUnavailable, "unavailable", "the server is shutting down")
	}
	defer s.hub.Unsubscribe(sub)

	unit := scope(r)
	// A person's stream ends with their session: signing out, being
	// disabled, a new role or unit (endUserStreams), or expiry (checked
	// at each heartbeat).
	var ended <-chan struct{}
	var session []byte
	if p := principalFrom(r); p != nil && p.session != nil {
		us := s.addUserStream(p.Name, p.session)
		defer s.removeUserStream(p.Name, us)
		ended, session = us.end, p.session
	}
	last := s.hub.LastID()
	gap := false
	if h := r.Header.Get("Last-Event-ID"); h != "" {
		id, ok := s.hub.ParseID(h)
		if ok && id <= last {
			last = id
		} else {
			// From an earlier run or garbage: what came since is unknown.
			last, gap = 0, true
		}
	}

	rc := http.NewResponseController(w)
	// The stream outlives the server's WriteTimeout; each write below sets
	// its own deadline so a dead client is still noticed.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	var buf bytes.Buffer
	buf.WriteString("retry: 3000\n\n")
	if gap {
		writeReset(&buf)
	}
	send := func() bool {
		if buf.Len() == 0 {
			return true
		}
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err == nil && rc.Flush() == nil
	}
	drain := func() bool {
		for {
			evs, missed := s.hub.Since(last, sseBatch)
			if missed && !gap { // one reset for the initial gap is enough
				writeReset(&buf)
			}
			gap = false
			for _, ev := range evs {
				last = ev.ID
				if unit != "" && ev.Unit != unit || unit == "" && ev.Type == eventMovedOut {
					continue
				}
				buf.WriteString("id: ")
				buf.WriteString(s.hub.FormatID(ev.ID))
				buf.WriteString("\nevent: ")
				buf.WriteString(ev.Type)
				buf.WriteString("\ndata: ")
				buf.Write(ev.Data) // compact JSON: never a newline
				buf.WriteString("\n\n")
			}
			if !send() {
				return false
			}
			if len(evs) < sseBatch {
				return true
			}
		}
	}
	if !drain() {
		return nil
	}
	heartbeat := time.NewTicker(s.heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-sub.Wake():
			if !drain() {
				return nil
			}
		case <-ended:
			return nil
		case <-heartbeat.C:
			if session != nil && !s.streamSessionValid(session) {
				return nil
			}
			buf.WriteString(": heartbeat " + strconv.FormatInt(s.now().Unix(), 10) + "\n\n")
			if !send() {
				return nil
			}
		case <-r.Context().Done():
			return nil
		case <-s.hub.Done():
			return nil
		}
	}
}

func writeReset(buf *bytes.Buffer) {
	buf.WriteString("event: reset\ndata: {\"reason\":\"events were missed; fetch the current state again\"}\n\n")
}
