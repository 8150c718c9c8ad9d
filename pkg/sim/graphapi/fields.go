package graphapi

import (
	"fmt"
	"strings"
)

// field is one entry of Graph's field-expansion syntax, e.g.
// comments.filter(stream).order(reverse_chronological).limit(25){id,from,message}.
type field struct {
	name string
	mods map[string]string // filter, order, limit, ...
	sub  []field           // nil when no {…} was given
	raw  string            // the sub-field list as written, for paging URLs
}

// parseFields parses a Graph `fields` parameter. It accepts exactly the
// grammar Graph documents: comma-separated names, each optionally followed
// by .modifier(value) calls and a {sub,fields} block.
func parseFields(s string) ([]field, error) {
	var out []field
	for _, part := range splitTop(s) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f, err := parseField(part)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func parseField(s string) (field, error) {
	f := field{mods: map[string]string{}}
	if i := strings.IndexByte(s, '{'); i >= 0 {
		if !strings.HasSuffix(s, "}") {
			return f, fmt.Errorf("unbalanced braces in %q", s)
		}
		f.raw = s[i+1 : len(s)-1]
		sub, err := parseFields(f.raw)
		if err != nil {
			return f, err
		}
		f.sub = sub
		if f.sub == nil {
			f.sub = []field{}
		}
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	f.name = parts[0]
	if f.name == "" {
		return f, fmt.Errorf("empty field name in %q", s)
	}
	for _, m := range parts[1:] {
		open := strings.IndexByte(m, '(')
		if open < 0 || !strings.HasSuffix(m, ")") {
			return f, fmt.Errorf("bad modifier %q", m)
		}
		f.mods[m[:open]] = m[open+1 : len(m)-1]
	}
	return f, nil
}

// splitTop splits on commas that are not inside {} or ().
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// fieldSet is a parsed field list.
type fieldSet []field

// defaultFields returns the parsed default when the request named none.
func defaultFields(requested []field, def string) fieldSet {
	if len(requested) > 0 {
		return requested
	}
	fs, _ := parseFields(def)
	return fs
}
