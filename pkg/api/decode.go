package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	defaultLimit = 50
	maxLimit     = 200
	// maxFilterLen bounds free-text filters and names.
	maxFilterLen = 200
)

// checkQuery refuses query parameters the route does not document, so a
// typo (?staus=new) is a 400 naming it rather than a silently unfiltered list.
func checkQuery(r *http.Request, rt route) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("", "malformed query string")
	}
	for name, vals := range q {
		known := false
		for _, p := range rt.Doc.Query {
			if p.Name == name {
				known = true
				break
			}
		}
		if !known {
			return badRequest(name, "unknown query parameter")
		}
		if len(vals) > 1 {
			return badRequest(name, "given more than once")
		}
	}
	return nil
}

// decodeJSON reads a JSON object body into dst: at most MaxBodyBytes (413),
// no unknown field (400 naming it), no trailing data, a JSON content type.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "send the body as application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("", "reading the body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("", "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return badRequest("", "the request body is not valid UTF-8")
	}
	// Go's decoder keeps the last of duplicate keys and matches keys case-
	// insensitively; a client sending {"priority":..,"PRIORITY":..} must
	// learn that, not have one silently win.
	if err := checkKeys(json.NewDecoder(bytes.NewReader(body)), reflect.TypeOf(dst), ""); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return badRequest("", "unexpected data after the JSON object")
	}
	return nil
}

// checkKeys reads one JSON value from dec and refuses an object holding the
// same key twice or a key that matches a field of t only when case is
// ignored. t (nil when unknown) follows the value's shape. Syntax errors
// are left for the real decode, which reports them with their offset.
func checkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := kt.(string)
			name := joinKey(path, key)
			if seen[key] {
				return badRequest(name, "the key is given more than once")
			}
			seen[key] = true
			var sub reflect.Type
			if t != nil {
				switch t.Kind() {
				case reflect.Struct:
					f, exact := jsonField(t, key)
					if f != nil && !exact {
						return badRequest(name, "unknown key; the field is %q (keys are case-sensitive)", joinKey(path, f.name))
					}
					if f != nil {
						sub = f.typ
					}
				case reflect.Map:
					sub = t.Elem()
				}
			}
			if err := checkKeys(dec, sub, name); err != nil {
				return err
			}
		}
		_, _ = dec.Token() // '}'
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := checkKeys(dec, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, _ = dec.Token() // ']'
	}
	return nil
}

type jsonFieldInfo struct {
	name string
	typ  reflect.Type
}

// jsonField finds the field of struct t that key decodes into, and whether
// the key spells its name exactly.
func jsonField(t reflect.Type, key string) (*jsonFieldInfo, bool) {
	var fold *jsonFieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return &jsonFieldInfo{name, f.Type}, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = &jsonFieldInfo{name, f.Type}
		}
	}
	return fold, false
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonProblem turns a decoding error into a 400 that names the field.
func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return badRequest("", "the body must be a JSON object, not %s", te.Value)
		}
		return badRequest(te.Field, "must be %s, not %s", jsonTypeName(te.Type.String()), te.Value)
	case errors.As(err, &se):
		return badRequest("", "malformed JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "the JSON body ends early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if f, uerr := strconv.Unquote(name); uerr == nil {
			name = f
		}
		return badRequest(name, "unknown field")
	}
	return badRequest("", "malformed JSON: %v", err)
}

func jsonTypeName(goType string) string {
	switch {
	case strings.HasSuffix(goType, "string") && !strings.HasPrefix(goType, "[]") && !strings.Contains(goType, "[]"):
		return "a string"
	case strings.Contains(goType, "[]"):
		return "an array of strings"
	case goType == "bool" || goType == "*bool":
		return "true or false"
	case strings.Contains(goType, "int"):
		return "an integer"
	}
	return "of type " + goType
}

// parseLimit reads limit: default 50; above 200 is refused rather than
// clamped, so a client never silently gets fewer than it thinks it asked for.
func parseLimit(s string) (int, error) {
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalid("limit", "must be an integer between 1 and %d", maxLimit)
	}
	if n < 1 || n > maxLimit {
		return 0, invalid("limit", "must be between 1 and %d, got %d", maxLimit, n)
	}
	return n, nil
}

// checkText validates a free-text filter or name value.
func checkText(v *validationErrors, field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.add(field, "must be at most %d characters", max)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		v.add(field, "must not contain control characters")
	}
}
