package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/rules"
	"github.com/inboxd/inboxd/pkg/store"
)

// Re-routing runs as one background job at a time, in batches of
// rerouteBatch items per write transaction, so operators' writes interleave
// and no transaction grows with the queue.
const (
	rerouteBatch    = 100
	rerouteKeepJobs = 20 // finished jobs kept for GET
)

// rerouteFilter is the POST /api/v1/routing/apply body: which stored items
// to re-route. unit "" is the unrouted items; absent is every unit.
type rerouteFilter struct {
	Unit    *string `json:"unit,omitempty"`
	Status  string  `json:"status,omitempty"` // one status, or waiting (new and open)
	Channel string  `json:"channel,omitempty"`
	Account string  `json:"account,omitempty"`
	// The received-at window: from received_after (inclusive) to
	// received_before (exclusive). received_from/received_to and from/to
	// are accepted as the same two bounds.
	ReceivedAfter  *time.Time `json:"received_after,omitempty"`
	ReceivedBefore *time.Time `json:"received_before,omitempty"`
	ReceivedFrom   *time.Time `json:"received_from,omitempty"`
	ReceivedTo     *time.Time `json:"received_to,omitempty"`
	From           *time.Time `json:"from,omitempty"`
	To             *time.Time `json:"to,omitempty"`
}

// window folds the bound aliases into ReceivedAfter and ReceivedBefore,
// refusing a bound given twice.
func (f *rerouteFilter) window(v *validationErrors) {
	pick := func(field string, dst **time.Time, aliases ...*time.Time) {
		for _, a := range aliases {
			if a == nil {
				continue
			}
			if *dst != nil {
				v.add(field, "the same bound is given twice (received_after, received_from and from are one; received_before, received_to and to are one)")
				return
			}
			*dst = a
		}
	}
	pick("received_after", &f.ReceivedAfter, f.ReceivedFrom, f.From)
	pick("received_before", &f.ReceivedBefore, f.ReceivedTo, f.To)
	f.ReceivedFrom, f.From, f.ReceivedTo, f.To = nil, nil, nil, nil
}

// rerouteJob is a re-routing job's progress, as GET answers it.
type rerouteJob struct {
	ID          string        `json:"id"`
	State       string        `json:"state"` // running, done, failed, cancelled
	Filter      rerouteFilter `json:"filter"`
	Rules       int           `json:"rules"`         // rules of the set the job applies
	Examined    int           `json:"examined"`      // items read that the filter selects
	Matched     int           `json:"matched"`       // of which a rule matched
	Changed     int           `json:"changed"`       // items with a field changed
	Unchanged   int           `json:"unchanged"`     // matched, but the rule would change nothing
	KeptByHuman int           `json:"kept_by_human"` // fields left alone: a person set them
	Batches     int           `json:"batches"`
	Actor       string        `json:"actor"`
	StartedAt   time.Time     `json:"started_at"`
	FinishedAt  *time.Time    `json:"finished_at,omitempty"`
	Error       string        `json:"error,omitempty"`
}

// rerouter runs the jobs; Server.Shutdown cancels a running one.
type rerouter struct {
	mu      sync.Mutex
	jobs    map[string]*rerouteJob
	order   []string // oldest first, for trimming
	running string
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newRerouter() *rerouter {
	ctx, cancel := context.WithCancel(context.Background())
	return &rerouter{jobs: map[string]*rerouteJob{}, ctx: ctx, cancel: cancel}
}

func (rr *rerouter) stop() {
	rr.cancel()
	rr.wg.Wait()
}

func (rr *rerouter) get(id string) (rerouteJob, bool) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	j, ok := rr.jobs[id]
	if !ok {
		return rerouteJob{}, false
	}
	return *j, true
}

func (rr *rerouter) update(id string, fn func(j *rerouteJob)) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	fn(rr.jobs[id])
}

func (s *Server) routingApply(w http.ResponseWriter, r *http.Request) error {
	var f rerouteFilter
	if err := decodeJSON(w, r, &f); err != nil {
		return err
	}
	var v validationErrors
	if f.Unit != nil {
		checkText(&v, "unit", *f.Unit, maxNameLen)
	}
	if f.Status != "" && f.Status != "waiting" && !inbox.Status(f.Status).Valid() {
		v.add("status", "unknown status %q; one of new, open, answered, closed, ignored or waiting", f.Status)
	}
	if f.Channel != "" && !slices.Contains(s.channels, inbox.Channel(f.Channel)) {
		v.add("channel", "unknown channel %q; use %s", f.Channel, joinEnum(s.channels))
	}
	checkText(&v, "account", f.Account, maxNameLen)
	f.window(&v)
	if f.ReceivedAfter != nil && f.ReceivedBefore != nil && !f.ReceivedAfter.Before(*f.ReceivedBefore) {
		v.add("received_before", "must be after received_after")
	}
	if err := v.err(); err != nil {
		return err
	}
	set := s.rules.Load()
	if set.Len() == 0 {
		return problem(http.StatusConflict, "conflict", "no routing rules are configured (routing: in the config)")
	}
	rr := s.reroute
	rr.mu.Lock()
	if rr.running != "" {
		id := rr.running
		rr.mu.Unlock()
		return problem(http.StatusConflict, "conflict", "re-routing job "+strconv.Quote(id)+" is still running; wait for it (GET /api/v1/routing/apply/"+id+")")
	}
	var raw [8]byte
	_, _ = rand.Read(raw[:])
	job := &rerouteJob{ID: hex.EncodeToString(raw[:]), State: "running", Filter: f, Rules: set.Len(), Actor: actor(r), StartedAt: s.now().UTC()}
	rr.jobs[job.ID] = job
	rr.order = append(rr.order, job.ID)
	for len(rr.order) > rerouteKeepJobs {
		delete(rr.jobs, rr.order[0])
		rr.order = rr.order[1:]
	}
	rr.running = job.ID
	rr.wg.Add(1)
	snapshot := *job
	rr.mu.Unlock()

	s.log.Info("re-routing started", "job", job.ID, "actor", job.Actor, "rules", set.Len())
	go func() {
		defer rr.wg.Done()
		err := s.runReroute(rr.ctx, job.ID, set, f)
		now := s.now().UTC()
		rr.update(job.ID, func(j *rerouteJob) {
			j.FinishedAt = &now
			switch {
			case errors.Is(err, context.Canceled):
				j.State = "cancelled"
			case err != nil:
				j.State, j.Error = "failed", err.Error()
			default:
				j.State = "done"
			}
		})
		rr.mu.Lock()
		rr.running = ""
		final := *rr.jobs[job.ID]
		rr.mu.Unlock()
		level := slog.LevelInfo
		if err != nil {
			level = slog.LevelWarn
		}
		s.log.Log(context.Background(), level, "re-routing finished", "job", final.ID, "state", final.State, "examined", final.Examined,
			"changed", final.Changed, "kept_by_human", final.KeptByHuman, "err", err)
	}()
	w.Header().Set("Location", "/api/v1/routing/apply/"+job.ID)
	return writeJSON(w, http.StatusAccepted, snapshot)
}

// runReroute pages through the selected items newest first, routes each
// batch with the rule set and hands the store the results to write.
func (s *Server) runReroute(ctx context.Context, id string, set *rules.Set, f rerouteFilter) error {
	lf := store.Filter{Limit: rerouteBatch, Order: store.NewestFirst, Channel: inbox.Channel(f.Channel), Account: f.Account}
	if f.Unit != nil {
		lf.Unit = *f.Unit
		if lf.Unit == "" {
			lf.Unit = "-"
		}
	}
	switch f.Status {
	case "":
	case "waiting":
		lf.Statuses = []inbox.Status{inbox.StatusNew, inbox.StatusOpen}
	default:
		lf.Statuses = []inbox.Status{inbox.Status(f.Status)}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := s.store.List(lf)
		if err != nil {
			return err
		}
		var routes []store.Route
		examined, older := 0, false
		for _, it := range page.Items {
			if f.ReceivedBefore != nil && !it.ReceivedAt.Before(*f.ReceivedBefore) {
				continue
			}
			if f.ReceivedAfter != nil && it.ReceivedAt.Before(*f.ReceivedAfter) {
				older = true // newest first: everything after this is older still
				break
			}
			examined++
			res, ok := set.Match(rules.InputOf(it))
			if !ok {
				continue
			}
			routes = append(routes, store.Route{ItemID: it.ID, Rule: res.Rule, Unit: res.Unit, Tags: res.Tags,
				Priority: inbox.Priority(res.Priority), Assignee: res.Assignee, Status: inbox.Status(res.Status)})
		}
		var rres store.RerouteResult
		if len(routes) > 0 {
			var deadlines func(inbox.Item) (*time.Time, *time.Time)
			if s.deadlines.Load() != nil {
				deadlines = s.deadlines.ItemDeadlines
			}
			if rres, err = s.store.ApplyRoutes(routes, deadlines); err != nil {
				return err
			}
		}
		s.reroute.update(id, func(j *rerouteJob) {
			j.Batches++
			j.Examined += examined
			j.Matched += len(routes)
			j.Changed += rres.Changed
			j.Unchanged += rres.Unchanged
			j.KeptByHuman += rres.KeptByHuman
		})
		if older || page.NextCursor == "" {
			return nil
		}
		lf.Cursor = page.NextCursor
	}
}

func (s *Server) routingApplyStatus(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	j, ok := s.reroute.get(id)
	if !ok {
		return errNotFound("re-routing job " + strconv.Quote(id))
	}
	return writeJSON(w, http.StatusOK, j)
}
