package inbox

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template is a reply text officers (and automatic acknowledgements) reuse.
// Placeholders in Text are filled for the item being answered (Render).
// Unit, Channel and Kind, when set, restrict the items it fits.
type Template struct {
	Name     string  `json:"name"`
	Text     string  `json:"text"`
	Unit     string  `json:"unit,omitempty"`
	Channel  Channel `json:"channel,omitempty"`
	Kind     Kind    `json:"kind,omitempty"`
	Language string  `json:"language,omitempty"` // BCP 47, e.g. "id"
}

// Placeholders of a template's text, in Bahasa Indonesia forms.
const (
	PlaceholderNama        = "nama"         // the author's display name, or "Bapak/Ibu"
	PlaceholderTiket       = "tiket"        // the case's ticket number; its clause is dropped when none
	PlaceholderUnit        = "unit"         // the unit's full name, or "unit terkait"
	PlaceholderUnitSingkat = "unit_singkat" // the unit's short name, or "unit terkait"
	PlaceholderTanggal     = "tanggal"      // today, "Senin, 7 Desember 2026"
	PlaceholderBatasWaktu  = "batas_waktu"  // the resolution deadline with its time, or "secepatnya"
)

// Placeholders lists every placeholder a template may use.
var Placeholders = []string{PlaceholderNama, PlaceholderTiket, PlaceholderUnit, PlaceholderUnitSingkat, PlaceholderTanggal, PlaceholderBatasWaktu}

// What a missing value renders as.
const (
	FallbackNama       = "Bapak/Ibu"
	FallbackUnit       = "unit terkait"
	FallbackBatasWaktu = "secepatnya"
)

// Bounds of a template.
const (
	MaxTemplateNameLen = 64
	MaxTemplateLen     = 5000 // characters, before rendering
)

var (
	templateName  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	languageTag   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	placeholderRe = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
)

// ValidTemplateName reports whether s may name a template: 1-64 of a-z,
// 0-9, "_" and "-", starting with a letter or digit (it is part of a URL).
func ValidTemplateName(s string) bool { return templateName.MatchString(s) }

// CheckTemplate validates a template as it is saved: its name, its text
// (plain text, at most MaxTemplateLen characters, known placeholders only:
// an unknown one is named) and its optional restrictions. The errors are
// FieldErrors. channels are the channels a template may name (the
// registered platforms, ReplyRules.Channels); nil: the channel is not
// checked (a config read without its platforms).
func CheckTemplate(t Template, channels []Channel) error {
	if !ValidTemplateName(t.Name) {
		return &TextRefusedError{Field: "name", Reason: fmt.Sprintf("%q must be 1-%d characters of a-z, 0-9, _ and -, starting with a letter or digit", t.Name, MaxTemplateNameLen)}
	}
	if err := CheckText("text", t.Text, TextLimit{Name: "template", Max: MaxTemplateLen}); err != nil {
		return err
	}
	for _, m := range placeholderRe.FindAllStringSubmatch(t.Text, -1) {
		if !isPlaceholder(m[1]) {
			return &TextRefusedError{Field: "text", Reason: fmt.Sprintf("unknown placeholder {%s}; the placeholders are {%s}", m[1], strings.Join(Placeholders, "} {"))}
		}
	}
	if t.Unit != "" && !ValidUnitCode(t.Unit) {
		return &TextRefusedError{Field: "unit", Reason: fmt.Sprintf("%q is not a unit code (a-z, 0-9 and -)", t.Unit)}
	}
	if t.Channel != "" && channels != nil && !slices.Contains(channels, t.Channel) {
		return &TextRefusedError{Field: "channel", Reason: fmt.Sprintf("unknown channel %q (%s)", t.Channel, channelList(channels))}
	}
	if t.Kind != "" && !t.Kind.Valid() {
		return &TextRefusedError{Field: "kind", Reason: fmt.Sprintf("unknown kind %q (message, comment or mention)", t.Kind)}
	}
	if t.Language != "" && !languageTag.MatchString(t.Language) {
		return &TextRefusedError{Field: "language", Reason: fmt.Sprintf("%q is not a language tag such as id or en", t.Language)}
	}
	return nil
}

func isPlaceholder(s string) bool {
	for _, p := range Placeholders {
		if p == s {
			return true
		}
	}
	return false
}

// TemplateMismatch says why a template does not fit an item ("" when it
// fits): its unit, channel or kind is another than the item's.
func (t Template) TemplateMismatch(it Item) string {
	switch {
	case t.Unit != "" && t.Unit != it.Unit:
		return fmt.Sprintf("template %q is for unit %q; this item's unit is %q", t.Name, t.Unit, it.Unit)
	case t.Channel != "" && t.Channel != it.Channel:
		return fmt.Sprintf("template %q is for channel %s; this item came from %s", t.Name, t.Channel, it.Channel)
	case t.Kind != "" && t.Kind != it.Kind:
		return fmt.Sprintf("template %q is for kind %s; this item is a %s", t.Name, t.Kind, it.Kind)
	}
	return ""
}

// Fits reports whether the template may answer the item.
func (t Template) Fits(it Item) bool { return t.TemplateMismatch(it) == "" }

// TemplateValues are the placeholder values for one item, already in
// their Indonesian forms (calendar.TemplateValuesFor builds them). Empty
// values render politely: see the Fallback constants; an empty Tiket drops
// the words around it.
type TemplateValues struct {
	Nama        string
	Tiket       string
	Unit        string
	UnitSingkat string
	Tanggal     string
	BatasWaktu  string
}

// Render fills the template's placeholders. Without a ticket, the part of
// the sentence holding {tiket} goes: its parentheses, else its clause
// between commas, else its whole sentence.
func (t Template) Render(v TemplateValues) string {
	text := t.Text
	if strings.TrimSpace(v.Tiket) == "" {
		for i := 0; i < 100 && strings.Contains(text, "{"+PlaceholderTiket+"}"); i++ {
			text = dropTicketClause(text)
		}
	}
	vals := map[string]string{
		PlaceholderNama:        or(v.Nama, FallbackNama),
		PlaceholderTiket:       v.Tiket,
		PlaceholderUnit:        or(v.Unit, FallbackUnit),
		PlaceholderUnitSingkat: or(v.UnitSingkat, or(v.Unit, FallbackUnit)),
		PlaceholderTanggal:     v.Tanggal,
		PlaceholderBatasWaktu:  or(v.BatasWaktu, FallbackBatasWaktu),
	}
	out := placeholderRe.ReplaceAllStringFunc(text, func(m string) string {
		if val, ok := vals[m[1:len(m)-1]]; ok {
			return val
		}
		return m
	})
	return tidy(out)
}

func or(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func sentenceEnd(r byte) bool { return r == '.' || r == '!' || r == '?' || r == '\n' }

// dropTicketClause removes the first {tiket} with the words around it.
func dropTicketClause(s string) string {
	tok := "{" + PlaceholderTiket + "}"
	pos := strings.Index(s, tok)
	end := pos + len(tok)
	// The sentence: after the previous terminator, to and with the next one.
	start := pos
	for start > 0 && !sentenceEnd(s[start-1]) {
		start--
	}
	for start < pos && s[start] == ' ' {
		start++
	}
	stop := end
	for stop < len(s) && !sentenceEnd(s[stop]) {
		stop++
	}
	// Parentheses around it within the sentence.
	if o := strings.LastIndexByte(s[start:pos], '('); o >= 0 && !strings.ContainsRune(s[start+o:pos], ')') {
		if c := strings.IndexByte(s[end:stop], ')'); c >= 0 && !strings.ContainsRune(s[end:end+c], '(') {
			from := start + o
			for from > 0 && s[from-1] == ' ' {
				from--
			}
			return s[:from] + s[end+c+1:]
		}
	}
	cb := strings.LastIndexByte(s[start:pos], ',')
	ca := strings.IndexByte(s[end:stop], ',')
	switch {
	case cb >= 0 && ca >= 0: // "A, nomor tiket {tiket}, B."
		return s[:start+cb] + s[end+ca:]
	case cb >= 0: // "A, nomor tiket {tiket}."
		return s[:start+cb] + s[stop:]
	case ca >= 0: // "Nomor tiket {tiket}, kami teruskan."
		rest := strings.TrimLeft(s[end+ca+1:], " ")
		return s[:start] + upperFirst(rest)
	}
	// The whole sentence, with its terminator and the spaces after it.
	if stop < len(s) && s[stop] != '\n' {
		stop++
	}
	for stop < len(s) && s[stop] == ' ' {
		stop++
	}
	return s[:start] + s[stop:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

var (
	spaceRuns   = regexp.MustCompile(`[ \t]{2,}`)
	spaceBefore = regexp.MustCompile(` +([.,!?;:)])`)
	lineSpaces  = regexp.MustCompile(`(?m)^[ \t]+|[ \t]+$`)
)

// tidy removes the spaces a dropped clause leaves.
func tidy(s string) string {
	s = spaceRuns.ReplaceAllString(s, " ")
	s = spaceBefore.ReplaceAllString(s, "$1")
	s = lineSpaces.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// channelList is "facebook, instagram, twitter" for error messages.
func channelList(channels []Channel) string {
	names := make([]string, len(channels))
	for i, c := range channels {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}
