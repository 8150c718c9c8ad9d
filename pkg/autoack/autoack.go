// Package autoack sends the automatic acknowledgement of new items: a
// reply from a template (one for office hours, one for after hours, by the
// office calendar) that tells the citizen their message arrived, with its
// ticket and deadline. The acknowledgement goes through the normal outbox,
// marked auto, and is never an answer: the store does not mark the item
// answered, set first_response_at or record a response time for it.
//
// The store decides, in the transaction that queues it, whether an item
// may be acknowledged (never twice for an item, never twice for a case
// within the quiet period, never once a person replied); this package
// decides which items and which template.
package autoack

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// Actor is the reply author and audit actor of acknowledgements.
const Actor = store.ActorAutoAck

// Policy is one account's auto_ack configuration.
type Policy struct {
	OfficeHoursTemplate string
	AfterHoursTemplate  string
	Kinds               []inbox.Kind  // kinds acknowledged (default: messages)
	QuietPeriod         time.Duration // per case (channel, account, thread, author)
	// OwnID is the account's own id on its platform (page or user id):
	// the office's own messages are never acknowledged.
	OwnID string
}

// Store is what acknowledging needs of the store.
type Store interface {
	Get(id string) (inbox.Item, error)
	Template(name string) (inbox.Template, error)
	EnqueueAutoAck(itemID string, a store.AutoAck) (inbox.Reply, error)
}

// Acker acknowledges new items of the accounts that have a policy.
type Acker struct {
	store    Store
	office   *calendar.Live
	now      func() time.Time
	log      *slog.Logger
	policies atomic.Pointer[map[string]Policy]
	units    atomic.Pointer[[]inbox.Unit]
}

// New returns an Acker with no policies (SetPolicies adds them).
func New(st Store, office *calendar.Live, now func() time.Time, log *slog.Logger) *Acker {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Acker{store: st, office: office, now: now, log: log}
}

// SetPolicies installs the accounts' policies (on start and on reload).
func (a *Acker) SetPolicies(p map[string]Policy) { a.policies.Store(&p) }

// SetUnits installs the configured units (for {unit} and {unit_singkat}).
func (a *Acker) SetUnits(u []inbox.Unit) { a.units.Store(&u) }

// Template is the template name a policy uses at t: the office-hours one
// while the office is open by cal, else the after-hours one.
func (p Policy) Template(cal *calendar.Calendar, t time.Time) string {
	if cal != nil && cal.OpenAt(t) {
		return p.OfficeHoursTemplate
	}
	return p.AfterHoursTemplate
}

// Acknowledge queues acknowledgements for the new items ids of account
// (called after each ingested page). Failures are logged: an item that
// could not be acknowledged stays waiting for a person, as before.
func (a *Acker) Acknowledge(ctx context.Context, account string, ids []string) {
	pm := a.policies.Load()
	if pm == nil {
		return
	}
	p, ok := (*pm)[account]
	if !ok {
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if err := a.one(p, id); err != nil {
			a.log.Warn("automatic acknowledgement not queued", "account", account, "item_id", id, "err", err)
		}
	}
}

func (a *Acker) one(p Policy, id string) error {
	it, err := a.store.Get(id)
	if err != nil {
		return err
	}
	switch {
	case it.Status == inbox.StatusIgnored, // a rule set it to ignored
		it.Backfill,                              // it was not waiting on inboxd
		p.OwnID != "" && it.Author.ID == p.OwnID, // the office's own message
		!slices.Contains(p.Kinds, it.Kind):       // a kind the policy leaves alone
		return nil
	}
	now := a.now()
	var cal *calendar.Calendar
	loc := time.UTC
	if o := a.office.Load(); o != nil && o.Calendar != nil {
		cal, loc = o.Calendar, o.Calendar.Location()
	}
	name := p.Template(cal, now)
	t, err := a.store.Template(name)
	if errors.Is(err, store.ErrNotFound) {
		return errors.New("template " + name + " does not exist (auto_ack names it; create it with POST /api/v1/templates)")
	}
	if err != nil {
		return err
	}
	if !t.Fits(it) {
		return errors.New(t.TemplateMismatch(it))
	}
	var unit inbox.Unit
	if us := a.units.Load(); us != nil {
		if i := slices.IndexFunc(*us, func(u inbox.Unit) bool { return u.Code == it.Unit }); i >= 0 {
			unit = (*us)[i]
		}
	}
	text := t.Render(calendar.TemplateValuesFor(it, unit, now, loc))
	r, err := a.store.EnqueueAutoAck(id, store.AutoAck{Text: text, Template: name, QuietPeriod: p.QuietPeriod})
	var skip *store.AckSkipped
	if errors.As(err, &skip) {
		a.log.Debug("no automatic acknowledgement", "item_id", id, "reason", skip.Reason)
		return nil
	}
	if err != nil {
		return err
	}
	a.log.Info("automatic acknowledgement queued", "item_id", id, "reply_id", r.ID, "template", name)
	return nil
}
