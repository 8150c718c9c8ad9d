package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
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
