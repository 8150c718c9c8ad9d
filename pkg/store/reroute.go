package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
)

// Route is what a routing rule sets on a stored item (computed by the
// caller with pkg/rules); empty fields set nothing.
type Route struct {
	ItemID   string
	Rule     string
	Unit     string
	Tags     []string
	Priority inbox.Priority
	Assignee string
	Status   inbox.Status // only ignored, and only from new
}

// RerouteResult counts what ApplyRoutes did.
type RerouteResult struct {
	Changed     int // items with at least one field changed
	Unchanged   int // items the rule would leave as they are
	KeptByHuman int // fields left alone because a person set them
	Missing     int // items deleted meanwhile
}

// ApplyRoutes applies routes to stored items in ONE write transaction. A
// field a person has changed (an audit entry whose actor is neither a rule
// nor the platform) is never overwritten: a human edit wins over any rule.
// Each change is audited as actor rule:<name>. Keep batches small: the
// caller pages through the queue and calls this per batch. deadlines, when
// not nil, recomputes the SLA due times of an item whose unit or priority
// the rule changes (as Change.Deadlines does for an edit).
func (s *Store) ApplyRoutes(routes []Route, deadlines func(inbox.Item) (*time.Time, *time.Time)) (RerouteResult, error) {
	var res RerouteResult
	for i, r := range routes {
		if r.Rule == "" {
			return res, &ValidationError{Field: fmt.Sprintf("routes[%d].rule", i), Message: "must not be empty"}
		}
		if r.Priority != "" && !r.Priority.Valid() {
			return res, &ValidationError{Field: fmt.Sprintf("routes[%d].priority", i), Message: fmt.Sprintf("unknown priority %q", r.Priority)}
		}
		if r.Status != "" && r.Status != inbox.StatusIgnored {
			return res, &ValidationError{Field: fmt.Sprintf("routes[%d].status", i), Message: "a rule may only set ignored"}
		}
		tags, err := normaliseTags(r.Tags)
		if err != nil {
			return res, &ValidationError{Field: fmt.Sprintf("routes[%d].tags", i), Message: err.Error()}
		}
		routes[i].Tags = tags
	}
	err := s.write(func(w *wctx) error {
		res = RerouteResult{}
		for _, r := range routes {
			old, iid, err := getItemByID(w.tx, r.ItemID)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					res.Missing++
					continue
				}
				return err
			}
			human, err := w.fieldsSetByPerson(iid)
			if err != nil {
				return err
			}
			it := old
			var changes []fieldChange
			set := func(field, from, to string, apply func()) {
				switch {
				case to == "" || to == from:
				case human[field]:
					res.KeptByHuman++
				default:
					changes = append(changes, fieldChange{field, from, to})
					apply()
				}
			}
			set("unit", it.Unit, r.Unit, func() { it.Unit = r.Unit })
			set("tags", strings.Join(it.Tags, ","), strings.Join(r.Tags, ","), func() { it.Tags = r.Tags })
			set("priority", string(it.Priority), string(r.Priority), func() { it.Priority = r.Priority })
			set("assignee", it.Assignee, r.Assignee, func() { it.Assignee = r.Assignee })
			if old.Status == inbox.StatusNew { // only a new item is filed as spam: anything else a person has seen
				set("status", string(it.Status), string(r.Status), func() { it.Status = r.Status })
			}
			if len(changes) == 0 {
				res.Unchanged++
				continue
			}
			res.Changed++
			dl, err := w.deadlineChanges(&it, &old, deadlines)
			if err != nil {
				return err
			}
			changes = append(changes, dl...)
			if err := w.commitChanges(iid, &old, &it, ActorRulePrefix+r.Rule, changes); err != nil {
				return err
			}
		}
		if res.Changed == 0 {
			w.noop = true
		}
		return nil
	})
	if err != nil {
		return RerouteResult{}, err
	}
	return res, nil
}

// fieldsSetByPerson reads the item's audit trail: the fields a person (not
// a rule, not the platform) has changed.
func (w *wctx) fieldsSetByPerson(iid []byte) (map[string]bool, error) {
	human := map[string]bool{}
	c := w.tx.Bucket(bAudit).Cursor()
	for k, v := c.Seek(iid); k != nil && len(k) == 2*idLen && string(k[:idLen]) == string(iid); k, v = c.Next() {
		var e inbox.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("audit entry of %s: %w", idString(iid), err)
		}
		if !strings.HasPrefix(e.Actor, ActorRulePrefix) && e.Actor != actorPlatform {
			human[e.Field] = true
		}
	}
	return human, nil
}
