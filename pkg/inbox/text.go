package inbox

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CountCharacters is the counting of a limit without a Weighting: one per
// code point, as Meta counts.
const CountCharacters = "characters"

// TextLimit is how long a text may be on one reply kind of one platform,
// and how the platform counts it. Connectors declare them (see ReplyTable);
// nothing outside a connector names a platform's numbers.
type TextLimit struct {
	Name string // what the text becomes, for messages: "X post", "Messenger message"
	Max  int    // the platform's limit, in its own unit
	// Weighting, when set, counts the way the platform weighs characters;
	// nil counts code points.
	Weighting *Weighting
	// Rules, when set, says why the platform refuses a text whatever its
	// length ("" when it takes it), e.g. Instagram's hashtag and URL caps
	// on comments. The connector owns them; CheckText applies them, so
	// the API, the store and the outbox refuse alike.
	Rules func(text string) string
}

// Counting names how l counts: CountCharacters or the weighting's name.
func (l TextLimit) Counting() string {
	if l.Weighting != nil {
		return l.Weighting.Name
	}
	return CountCharacters
}

// Unit is the unit counts are reported in.
func (l TextLimit) Unit() string {
	if l.Weighting != nil {
		return "weighted characters"
	}
	return "characters"
}

// Count measures s the way the platform behind l counts it.
func (l TextLimit) Count(s string) int {
	if l.Weighting != nil {
		return l.Weighting.Count(s)
	}
	return utf8.RuneCountInString(s)
}

// TextTooLongError is text over a platform's limit, in the platform's unit.
type TextTooLongError struct {
	Field string // request field: "text"
	Name  string // what the text becomes: "X post"
	Limit int
	Count int
	Unit  string // "characters" or "weighted characters"
}

func (e *TextTooLongError) Error() string {
	return fmt.Sprintf("%s: is %d %s; the %s limit is %d", e.Field, e.Count, e.Unit, e.Name, e.Limit)
}

// Detail is the message without the field name.
func (e *TextTooLongError) Detail() string {
	return fmt.Sprintf("is %d %s; the %s limit is %d", e.Count, e.Unit, e.Name, e.Limit)
}

// TextRefusedError is text no platform should receive: a control or bidi
// override character, or nothing visible at all.
type TextRefusedError struct {
	Field  string
	Reason string // says which character and where, or that the text is empty
}

func (e *TextRefusedError) Error() string { return e.Field + ": " + e.Reason }

// Detail is the message without the field name.
func (e *TextRefusedError) Detail() string { return e.Reason }

// CheckText is the one check of text inboxd writes: the refused characters
// (CheckPlainText) and, when limit.Max > 0, the platform's length. The API,
// the store and the connectors all call it, so they cannot disagree.
func CheckText(field, s string, limit TextLimit) error {
	if err := CheckPlainText(field, s); err != nil {
		return err
	}
	if limit.Max > 0 {
		if n := limit.Count(s); n > limit.Max {
			return &TextTooLongError{Field: field, Name: limit.Name, Limit: limit.Max, Count: n, Unit: limit.Unit()}
		}
	}
	if limit.Rules != nil {
		if reason := limit.Rules(s); reason != "" {
			return &TextRefusedError{Field: field, Reason: reason}
		}
	}
	return nil
}

// CheckPlainText refuses text with C0 or C1 control characters other than
// newline and tab, bidi embedding/override/isolate characters (which can make
// a message read differently from what it says), Unicode noncharacters, and
// text that is visually empty: only whitespace and invisible characters.
func CheckPlainText(field, s string) error {
	if !utf8.ValidString(s) {
		return &TextRefusedError{Field: field, Reason: "is not valid UTF-8"}
	}
	pos := 0
	for _, r := range s {
		pos++
		if name := refusedRune(r); name != "" {
			return &TextRefusedError{Field: field, Reason: fmt.Sprintf("contains %s (U+%04X) at character %d; remove it", name, r, pos)}
		}
	}
	if !strings.ContainsFunc(s, visible) {
		if s == "" {
			return &TextRefusedError{Field: field, Reason: "must not be empty"}
		}
		return &TextRefusedError{Field: field, Reason: "is empty: it has only spaces or invisible characters"}
	}
	return nil
}

// refusedRune names why r may not appear in text, or returns "".
func refusedRune(r rune) string {
	switch {
	case r == '\n' || r == '\t':
		return ""
	case r < 0x20 || r == 0x7f:
		return "a control character"
	case r >= 0x80 && r <= 0x9f:
		return "a C1 control character"
	case r >= 0x202a && r <= 0x202e:
		return "a bidi embedding or override character"
	case r >= 0x2066 && r <= 0x2069:
		return "a bidi isolate character"
	case r == 0xfffe || r == 0xffff:
		return "a Unicode noncharacter"
	}
	return ""
}

// visible reports whether r shows as something: not whitespace, not a
// format character (zero-width space and joiners, marks, BOM), not a
// variation selector and not one of the blank "filler" letters.
func visible(r rune) bool {
	switch {
	case unicode.IsSpace(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Variation_Selector, r):
		return false
	case r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0 || r == 0x2800 || r == 0x034f:
		return false // Hangul fillers, Braille blank, combining grapheme joiner
	}
	return true
}

// FieldError is what the domain's validation errors have in common: the
// request field at fault and a message without it. The API answers 422.
type FieldError interface {
	error
	FieldName() string
	Detail() string
}

var (
	_ FieldError = (*TextTooLongError)(nil)
	_ FieldError = (*TextRefusedError)(nil)
	_ FieldError = (*ReplyRefusedError)(nil)
	_ FieldError = (*OnePerItemError)(nil)
)

func (e *TextTooLongError) FieldName() string  { return e.Field }
func (e *TextRefusedError) FieldName() string  { return e.Field }
func (e *ReplyRefusedError) FieldName() string { return "private" }
func (e *OnePerItemError) FieldName() string   { return "private" }
