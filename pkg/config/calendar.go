package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/inboxd/inboxd/holidays"
	"github.com/inboxd/inboxd/pkg/calendar"
	"github.com/inboxd/inboxd/pkg/inbox"
	"go.yaml.in/yaml/v3"
)

// DefaultTicketPrefix starts every ticket number (UP4-2026-000123) unless
// ticket_prefix says otherwise.
const DefaultTicketPrefix = inbox.DefaultTicketPrefix

var (
	calendarKeys = []string{"hours", "overrides", "holidays", "holidays_file"}
	overrideKeys = []string{"from", "to", "hours"}
	holidayKeys  = []string{"date", "name", "kind"}
	policyKeys   = []string{"match", "first_response", "resolution"}
	matchKeys    = []string{"unit", "kind", "channel", "priority"}
	weekdayKeys  = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	weekdays     = map[string]time.Weekday{
		"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
		"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
	}
	ticketPrefix = regexp.MustCompile(`^[A-Za-z0-9]{1,16}$`)
)

// calendarSpec is the decoded calendar: block, built into a
// calendar.Calendar once the time zone is known.
type calendarSpec struct {
	node         *yaml.Node
	week         *calendar.Week // nil: the default hours
	overrides    []calendar.Override
	holidays     []calendar.Holiday
	holidaysFile string // as written
	broken       bool   // an error was reported inside: build no calendar
}

func (d *decoder) calendar(n *yaml.Node, path string) *calendarSpec {
	spec := &calendarSpec{node: n}
	before := len(d.errs)
	defer func() { spec.broken = len(d.errs) > before }()
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "hours":
			if isNull(resolve(e.val)) {
				continue
			}
			var w calendar.Week
			for wd, h := range d.weekHours(e.val, p) {
				w[wd] = h
			}
			spec.week = &w
		case "overrides":
			for i, on := range d.seq(e.val, p, "a list of {from, to, hours}") {
				if o, ok := d.override(on, fmt.Sprintf("%s[%d]", p, i)); ok {
					spec.overrides = append(spec.overrides, o)
				}
			}
		case "holidays":
			spec.holidays = append(spec.holidays, d.holidays(e.val, p)...)
		case "holidays_file":
			if d.str(e.val, p, &spec.holidaysFile) && spec.holidaysFile != "" {
				spec.holidays = append(spec.holidays, d.holidaysFile(e.val, p, spec.holidaysFile)...)
			}
		default:
			d.unknown(e, path, calendarKeys)
		}
	}
	return spec
}

// build makes the calendar in loc; nil spec is the default calendar.
func (d *decoder) buildCalendar(spec *calendarSpec, loc *time.Location) *calendar.Calendar {
	if spec == nil || spec.broken {
		return calendar.Default(loc) // the config is refused anyway when broken
	}
	week := calendar.DefaultWeek()
	if spec.week != nil {
		week = *spec.week
	}
	cal, err := calendar.New(loc, week, spec.overrides, spec.holidays)
	if err != nil {
		d.errorf(spec.node, "calendar", "%v", err)
		return calendar.Default(loc)
	}
	return cal
}

// weekHours decodes {mon: "07:30-16:00", ...}; only the weekdays written
// are returned ("" is closed).
func (d *decoder) weekHours(n *yaml.Node, path string) map[time.Weekday]calendar.Hours {
	out := map[time.Weekday]calendar.Hours{}
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		wd, ok := weekdays[e.key]
		if !ok {
			d.unknown(e, path, weekdayKeys)
			continue
		}
		v, ok := d.scalar(e.val, p)
		if !ok {
			continue
		}
		h, err := calendar.ParseHours(v)
		if err != nil {
			d.errorf(e.val, p, "%v", err)
			continue
		}
		out[wd] = h
	}
	return out
}

func (d *decoder) override(n *yaml.Node, path string) (calendar.Override, bool) {
	o := calendar.Override{}
	var fromOK, toOK bool
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		switch e.key {
		case "from":
			o.From, fromOK = d.date(e.val, p)
		case "to":
			o.To, toOK = d.date(e.val, p)
		case "hours":
			o.Hours = d.weekHours(e.val, p)
		default:
			d.unknown(e, path, overrideKeys)
		}
	}
	n = resolve(n)
	if !isNull(n) && n.Kind == yaml.MappingNode {
		for _, k := range []struct {
			key string
			ok  bool
		}{{"from", fromOK}, {"to", toOK}} {
			if !k.ok && !d.hasKey(n, k.key) {
				d.errorf(n, join(path, k.key), "is required (a date, YYYY-MM-DD)")
			}
		}
		if fromOK && toOK && o.To.Compare(o.From) < 0 {
			d.errorf(n, join(path, "to"), "%s is before from (%s)", o.To, o.From)
			return o, false
		}
		if len(o.Hours) == 0 && !d.hasKey(n, "hours") {
			d.errorf(n, join(path, "hours"), "is required (the weekdays with other hours, e.g. {mon: \"08:00-15:00\"})")
		}
	}
	return o, fromOK && toOK
}

// hasKey reports whether mapping n has key (whatever its value).
func (d *decoder) hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if resolve(n.Content[i]).Value == key {
			return true
		}
	}
	return false
}

func (d *decoder) date(n *yaml.Node, path string) (calendar.Date, bool) {
	v, ok := d.scalar(n, path)
	if !ok {
		return calendar.Date{}, false
	}
	if v == "" {
		d.errorf(n, path, "is required (a date, YYYY-MM-DD)")
		return calendar.Date{}, false
	}
	dt, err := calendar.ParseDate(v)
	if err != nil {
		d.errorf(n, path, "%v", err)
		return calendar.Date{}, false
	}
	return dt, true
}

// seq returns a sequence's items; null is none.
func (d *decoder) seq(n *yaml.Node, path, want string) []*yaml.Node {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "must be %s, not %s", want, kindName(n))
		return nil
	}
	return n.Content
}

// holidays decodes a list of {date, name[, kind]}.
func (d *decoder) holidays(n *yaml.Node, path string) []calendar.Holiday {
	var out []calendar.Holiday
	for i, hn := range d.seq(n, path, "a list of {date, name[, kind]}") {
		p := fmt.Sprintf("%s[%d]", path, i)
		var h calendar.Holiday
		dateOK := false
		for _, e := range d.entries(hn, p) {
			ep := join(p, e.key)
			switch e.key {
			case "date":
				h.Date, dateOK = d.date(e.val, ep)
			case "name":
				d.str(e.val, ep, &h.Name)
			case "kind":
				d.str(e.val, ep, &h.Kind)
			default:
				d.unknown(e, p, holidayKeys)
			}
		}
		if rn := resolve(hn); !dateOK && !isNull(rn) && rn.Kind == yaml.MappingNode && !d.hasKey(rn, "date") {
			d.errorf(hn, join(p, "date"), "is required (YYYY-MM-DD)")
		}
		if dateOK {
			out = append(out, h)
		}
	}
	return out
}

// holidaysFile reads a YAML list of {date, name[, kind]}; a relative path
// is relative to the config file. Its errors name the holidays file and
// its lines.
func (d *decoder) holidaysFile(n *yaml.Node, path, file string) []calendar.Holiday {
	data, file, ok := d.namedFile(n, path, file, "holidays", holidays.Dir, holidays.Files)
	if !ok {
		return nil
	}
	sub := &decoder{file: file, getenv: d.getenv, readFile: d.readFile}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		d.errorf(n, path, "%s: invalid YAML: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
		return nil
	}
	var top *yaml.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		top = root.Content[0]
	}
	hs := sub.holidays(top, "")
	d.errs = append(d.errs, sub.errs...)
	return hs
}

// sla decodes the deadline policies; units, when configured, are the
// codes a match may name.
func (d *decoder) sla(n *yaml.Node, path string, units []string) calendar.Policies {
	var pols calendar.Policies
	defaultLine := 0
	for i, pn := range d.seq(n, path, "a list of policies ({match, first_response, resolution})") {
		p := fmt.Sprintf("%s[%d]", path, i)
		var pol calendar.Policy
		for _, e := range d.entries(pn, p) {
			ep := join(p, e.key)
			switch e.key {
			case "match":
				pol.Match = d.match(e.val, ep, units)
			case "first_response":
				pol.FirstResponse = d.span(e.val, ep)
			case "resolution":
				pol.Resolution = d.span(e.val, ep)
			default:
				d.unknown(e, p, policyKeys)
			}
		}
		rn := resolve(pn)
		if isNull(rn) || rn.Kind != yaml.MappingNode {
			if isNull(rn) {
				d.errorf(pn, p, "must be a mapping with first_response and resolution")
			}
			continue
		}
		if pol.FirstResponse.IsZero() && pol.Resolution.IsZero() && !d.hasKey(rn, "first_response") && !d.hasKey(rn, "resolution") {
			d.errorf(pn, p, "sets no deadline: give first_response and/or resolution (e.g. 1d, 8h, 30m)")
		}
		if defaultLine > 0 {
			d.errorf(pn, p, "is never used: the policy on line %d has no match and already applies to every item (put the default last)", defaultLine)
		}
		if pol.Match.IsZero() && defaultLine == 0 {
			defaultLine = rn.Line
		}
		pols = append(pols, pol)
	}
	return pols
}

func (d *decoder) match(n *yaml.Node, path string, units []string) calendar.Match {
	var m calendar.Match
	for _, e := range d.entries(n, path) {
		p := join(path, e.key)
		var v string
		if !d.str(e.val, p, &v) {
			continue
		}
		switch e.key {
		case "unit":
			if v != "" && units != nil && !slices.Contains(units, v) {
				d.errorf(e.val, p, "unknown unit %q (configured units: %s)", v, strings.Join(units, ", "))
			}
			m.Unit = v
		case "kind":
			if v != "" && !inbox.Kind(v).Valid() {
				d.errorf(e.val, p, "unknown kind %q (use message, comment or mention)", v)
			}
			m.Kind = v
		case "channel":
			if chs := d.channels(); v != "" && chs != nil && !slices.Contains(chs, inbox.Channel(v)) {
				d.errorf(e.val, p, "unknown channel %q", v)
			}
			m.Channel = v
		case "priority":
			if v != "" && !inbox.Priority(v).Valid() {
				d.errorf(e.val, p, "unknown priority %q (use low, normal, high or urgent)", v)
			}
			m.Priority = v
		default:
			d.unknown(e, path, matchKeys)
		}
	}
	return m
}

func (d *decoder) span(n *yaml.Node, path string) calendar.Span {
	v, ok := d.scalar(n, path)
	if !ok || v == "" {
		return calendar.Span{}
	}
	s, err := calendar.ParseSpan(v)
	if err != nil {
		d.errorf(n, path, "%v", err)
	}
	return s
}

func (d *decoder) ticketPrefix(n *yaml.Node, path string, dst *string) {
	if d.str(n, path, dst) && !ticketPrefix.MatchString(*dst) {
		d.errorf(n, path, "%q must be 1-16 letters and digits, e.g. UP4", *dst)
		*dst = DefaultTicketPrefix
	}
}

// namedFile reads a file the config names (what: "holidays",
// "templates"); a relative path is relative to the config file. When the
// file is not there but names one the repository ships under dir as
// config.example.yaml does ("holidays/id-2026.yaml"), the copy built into
// the binary (shipped) is read, with a warning, so the example keeps
// working when copied away from the repository. It returns the data and
// the file's path for error messages.
func (d *decoder) namedFile(n *yaml.Node, p, named, what, dir string, shipped fs.FS) ([]byte, string, bool) {
	file := named
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(d.file), file)
	}
	data, err := d.readFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		if sdir, base := path.Split(filepath.ToSlash(filepath.Clean(named))); path.Clean(sdir) == dir {
			if copy, serr := fs.ReadFile(shipped, base); serr == nil {
				d.warnings = append(d.warnings, fmt.Sprintf("%s: %s is not beside the config (%s); using the built-in copy shipped with inboxd",
					p, named, file))
				data, err = copy, nil
			}
		}
	}
	if err != nil {
		d.errorf(n, p, "cannot read the %s file: %v", what, err)
		return nil, file, false
	}
	return data, file, true
}
