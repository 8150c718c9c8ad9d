package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// problemTypeBase prefixes every problem type URI; the fragment names the
// kind of problem so clients can branch on it.
const problemTypeBase = "https://inboxd.dev/problems/"

// FieldError names one invalid input and why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// For text over a platform's limit: the limit and the count, in the
	// platform's own unit ("characters" or "weighted characters").
	Limit int    `json:"limit,omitempty"`
	Count int    `json:"count,omitempty"`
	Unit  string `json:"unit,omitempty"`
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	// RetryAt is when the refused action becomes possible (a spent
	// platform request budget); Retry-After says the same in seconds.
	RetryAt *time.Time `json:"retry_at,omitempty"`

	header     http.Header // extra response headers (Allow, WWW-Authenticate, Retry-After)
	authReason string      // set on 401/403/429 of authentication: why (authfail.go)
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Title + ": " + p.Detail
	}
	return p.Title
}

// problem builds a Problem; kind becomes the type URI's last segment.
func problem(status int, kind, detail string, fields ...FieldError) *Problem {
	return &Problem{
		Type:   problemTypeBase + kind,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: fields,
	}
}

// invalid is a 422 naming one field.
func invalid(field, format string, args ...any) *Problem {
	msg := fmt.Sprintf(format, args...)
	return problem(http.StatusUnprocessableEntity, "validation", field+": "+msg, FieldError{Field: field, Message: msg})
}

// badRequest is a 400 naming one field (or parameter).
func badRequest(field, format string, args ...any) *Problem {
	msg := fmt.Sprintf(format, args...)
	p := problem(http.StatusBadRequest, "bad-request", msg)
	if field != "" {
		p.Detail = field + ": " + msg
		p.Errors = []FieldError{{Field: field, Message: msg}}
	}
	return p
}

// validationErrors collects field errors and turns them into one 422.
type validationErrors []FieldError

func (v *validationErrors) add(field, format string, args ...any) {
	*v = append(*v, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v validationErrors) err() error {
	if len(v) == 0 {
		return nil
	}
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Field + ": " + e.Message
	}
	return problem(http.StatusUnprocessableEntity, "validation", strings.Join(parts, "; "), v...)
}

var (
	errUnauthenticated = func() *Problem {
		p := problem(http.StatusUnauthorized, "unauthenticated", "sign in (POST /api/v1/session) or send Authorization: Bearer <token>")
		p.header = http.Header{"Www-Authenticate": {`Bearer realm="inboxd"`}}
		return p
	}
	errNotFound = func(what string) *Problem { return problem(http.StatusNotFound, "not-found", what+" not found") }
)

// toProblem maps any error a handler returns to the problem sent. It is the
// one place where error kinds become status codes.
func toProblem(err error) *Problem {
	var p *Problem
	var te *inbox.TransitionError
	var rse *inbox.ReplyStateError
	var ve *store.ValidationError
	var mbe *http.MaxBytesError
	var nse *store.NoSpaceError
	var tl *inbox.TextTooLongError
	var fe inbox.FieldError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &tl):
		return problem(http.StatusUnprocessableEntity, "validation", tl.Error(),
			FieldError{Field: tl.Field, Message: tl.Detail(), Limit: tl.Limit, Count: tl.Count, Unit: tl.Unit})
	case errors.As(err, &fe):
		return invalid(fe.FieldName(), "%s", fe.Detail())
	case errors.As(err, &mbe):
		return problem(http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &te):
		return problem(http.StatusConflict, "transition", fmt.Sprintf("status cannot change from %q to %q", te.From, te.To),
			FieldError{Field: "status", Message: fmt.Sprintf("cannot change from %q to %q", te.From, te.To)})
	case errors.As(err, &rse):
		return problem(http.StatusConflict, "reply-state", fmt.Sprintf("reply cannot move from %q to %q", rse.From, rse.To))
	case errors.As(err, &ve):
		return invalid(ve.Field, "%s", ve.Message)
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("resource")
	case errors.Is(err, store.ErrConflict):
		return problem(http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, store.ErrInvalidCursor):
		return badRequest("cursor", "invalid cursor; start again without it")
	case errors.Is(err, store.ErrBackupRunning):
		p := problem(http.StatusTooManyRequests, "backup-running", "a backup is being downloaded; one runs at a time, try again when it ends")
		p.header = http.Header{"Retry-After": {retryAfter(backupRetryAfter)}}
		return p
	case errors.As(err, &nse):
		return problem(http.StatusInsufficientStorage, "insufficient-storage", fmt.Sprintf(
			"the backup needs %d bytes (%s) free next to the data file for its temporary copy; %d bytes (%s) are free",
			nse.Need, mebibytes(nse.Need), nse.Free, mebibytes(nse.Free)))
	case errors.Is(err, store.ErrTokenLimit):
		return problem(http.StatusConflict, "token-limit", err.Error())
	case errors.Is(err, store.ErrClosed):
		return problem(http.StatusServiceUnavailable, "unavailable", "the store is closed")
	}
	return problem(http.StatusInternalServerError, "internal", "internal error; the request id is in the log")
}

// backupRetryAfter is the Retry-After of a backup refused while another runs.
const backupRetryAfter = time.Minute

func mebibytes(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	body := *p
	body.RequestID = requestIDFrom(r.Context())
	if body.Instance == "" {
		body.Instance = r.URL.Path
	}
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(&body)
}
