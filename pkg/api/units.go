package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// unitRegistry is the configured units; nil in Server.units means units
// are free text (no units: key in the config).
type unitRegistry struct {
	list  []inbox.Unit
	known map[string]bool
}

// SetUnits installs the configured units (on start and on every config
// reload). nil keeps units free text; an empty, non-nil list is a registry
// with no unit in it.
func (s *Server) SetUnits(units []inbox.Unit) {
	if units == nil {
		s.units.Store(nil)
		return
	}
	r := &unitRegistry{list: slices.Clone(units), known: make(map[string]bool, len(units))}
	for _, u := range units {
		r.known[u.Code] = true
	}
	s.units.Store(r)
}

// checkUnit refuses a unit the registry does not know (a typo would make a
// phantom office in the stats). "" (no unit) is always allowed.
func (s *Server) checkUnit(v *validationErrors, field, unit string) {
	reg := s.units.Load()
	if reg == nil || unit == "" || reg.known[unit] {
		return
	}
	codes := make([]string, len(reg.list))
	for i, u := range reg.list {
		codes[i] = u.Code
	}
	if len(codes) == 0 {
		v.add(field, "unknown unit %q: no unit is configured (units: in the config)", unit)
		return
	}
	v.add(field, "unknown unit %q; configured units: %s", unit, strings.Join(codes, ", "))
}

// checkUnitField is checkUnit for a body's "unit" field alone: people, like
// tokens, can be scoped only to a configured unit.
func (s *Server) checkUnitField(unit string) error {
	var v validationErrors
	s.checkUnit(&v, "unit", strings.TrimSpace(unit))
	return v.err()
}

// unitView is one unit of GET /api/v1/units.
type unitView struct {
	inbox.Unit
	Counts store.UnitCounts `json:"counts"`
	Tokens int              `json:"tokens"` // tokens scoped to this unit
}

// unknownUnit is a unit that items or tokens carry but the config does not
// list (a typo, or a unit removed from the config): an admin fixes them.
type unknownUnit struct {
	Code   string           `json:"code"`
	Counts store.UnitCounts `json:"counts"`
	Tokens int              `json:"tokens"`
}

type unitList struct {
	// Configured is false when the config has no units: list; Units then
	// lists the free-text units that items and tokens carry.
	Configured   bool          `json:"configured"`
	Units        []unitView    `json:"units"`
	UnknownUnits []unknownUnit `json:"unknown_units"`
	// Unrouted counts the items with no unit (absent for a scoped token).
	Unrouted *store.UnitCounts `json:"unrouted,omitempty"`
}

func emptyCounts() store.UnitCounts {
	return store.UnitCounts{ByStatus: map[inbox.Status]int64{}}
}

func (s *Server) listUnits(w http.ResponseWriter, r *http.Request) error {
	counts, err := s.store.CountsByUnit()
	if err != nil {
		return err
	}
	tokensOf := map[string]int{}
	for after := ""; ; {
		page, next, err := s.store.TokensPage(after, 1000)
		if err != nil {
			return err
		}
		for _, t := range page {
			if t.Unit != "" {
				tokensOf[t.Unit]++
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	countOf := func(code string) store.UnitCounts {
		if c, ok := counts[code]; ok {
			return c
		}
		return emptyCounts()
	}
	sc := scope(r)
	visible := func(code string) bool { return sc == "" || code == sc }

	out := unitList{Units: []unitView{}, UnknownUnits: []unknownUnit{}}
	listed := map[string]bool{"": true}
	if reg := s.units.Load(); reg != nil {
		out.Configured = true
		for _, u := range reg.list {
			listed[u.Code] = true
			if visible(u.Code) {
				out.Units = append(out.Units, unitView{Unit: u, Counts: countOf(u.Code), Tokens: tokensOf[u.Code]})
			}
		}
	}
	// Whatever items and tokens carry beyond the registry: unknown units
	// when a registry is configured, else the free-text units in use.
	var others []string
	for code := range counts {
		if !listed[code] {
			others = append(others, code)
			listed[code] = true
		}
	}
	for code := range tokensOf {
		if !listed[code] {
			others = append(others, code)
			listed[code] = true
		}
	}
	slices.Sort(others)
	for _, code := range others {
		if !visible(code) {
			continue
		}
		if out.Configured {
			out.UnknownUnits = append(out.UnknownUnits, unknownUnit{Code: code, Counts: countOf(code), Tokens: tokensOf[code]})
		} else {
			out.Units = append(out.Units, unitView{Unit: inbox.Unit{Code: code}, Counts: countOf(code), Tokens: tokensOf[code]})
		}
	}
	if sc == "" {
		c := countOf("")
		out.Unrouted = &c
	}
	return writeJSON(w, http.StatusOK, out)
}
