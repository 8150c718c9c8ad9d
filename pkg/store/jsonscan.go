package store

import (
	"bytes"
	"encoding/json"
	"errors"
)

// errJSONScan is a stored item the scanner cannot walk; callers decode it
// with encoding/json instead, which names what is wrong.
var errJSONScan = errors.New("not a JSON object the scanner can walk")

// topLevelStrings finds the string values of keys at the top level of the
// JSON object raw, skipping every other value without decoding it: ingest
// reads a case's ticket and status from nearly every new message's
// neighbour, and encoding/json scanned the whole item (text, author,
// times) to fill two fields. out[i] is keys[i]'s value ("" when absent or
// null); a wanted key holding anything but a string or null is an error.
func topLevelStrings(raw []byte, keys []string, out []string) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return errJSONScan
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return nil
	}
	for {
		ks, ke, err := scanString(raw, i)
		if err != nil {
			return err
		}
		if bytes.IndexByte(raw[ks:ke], '\\') >= 0 {
			return errJSONScan // an escaped key name: encoding/json unescapes it
		}
		i = skipSpace(raw, ke)
		if i >= len(raw) || raw[i] != ':' {
			return errJSONScan
		}
		vs := skipSpace(raw, i+1)
		ve, err := skipValue(raw, vs)
		if err != nil {
			return err
		}
		for n, k := range keys {
			if string(raw[ks+1:ke-1]) != k {
				continue
			}
			switch {
			case raw[vs] == '"':
				v := raw[vs+1 : ve-1]
				if bytes.IndexByte(v, '\\') < 0 {
					out[n] = string(v)
				} else if err := json.Unmarshal(raw[vs:ve], &out[n]); err != nil {
					return err
				}
			case string(raw[vs:ve]) != "null": // not a string: let encoding/json say so
				return errJSONScan
			}
		}
		i = skipSpace(raw, ve)
		if i >= len(raw) {
			return errJSONScan
		}
		switch raw[i] {
		case '}':
			return nil
		case ',':
			i = skipSpace(raw, i+1)
		default:
			return errJSONScan
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the bounds [start, end) of the string literal at i,
// quotes included.
func scanString(b []byte, i int) (int, int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, errJSONScan
	}
	for j := i + 1; j < len(b); {
		k := bytes.IndexAny(b[j:], `"\`)
		if k < 0 {
			break
		}
		j += k
		if b[j] == '"' {
			return i, j + 1, nil
		}
		j += 2 // an escape: skip the backslash and the byte it escapes
	}
	return 0, 0, errJSONScan
}

// skipValue returns the end of the JSON value at i.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errJSONScan
	}
	switch b[i] {
	case '"':
		_, e, err := scanString(b, i)
		return e, err
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, e, err := scanString(b, j)
				if err != nil {
					return 0, err
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errJSONScan
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, errJSONScan
		}
		return j, nil
	}
}
