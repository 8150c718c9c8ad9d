package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

// problem is X v2's error object: RFC 7807 problem details at the top
// level of an error response, or one entry of errors[] in a 200.
type problem struct {
	Title        string `json:"title"`
	Detail       string `json:"detail"`
	Type         string `json:"type"`
	Status       int    `json:"status"`
	ResourceType string `json:"resource_type,omitempty"`
	ResourceID   string `json:"resource_id,omitempty"`
	Message      string `json:"message,omitempty"` // v1.1-style entries
}

func (p problem) text() string {
	switch {
	case p.Detail != "":
		return p.Detail
	case p.Title != "":
		return p.Title
	}
	return p.Message
}

// v1Error is one entry of v1.1's {"errors":[{"code":..,"message":..}]}.
type v1Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

const (
	hintReplyByDM  = "X lets this app reply only to posts that mention or quote the account; answer this citizen by direct message instead (reply with private: true)"
	hintUseV2      = "this app's access level has no v1.1 access to this endpoint; set api: v2 for the account"
	usageCappedMsg = "X usage cap reached (%s): the account is paused until an operator resumes it (POST /api/v1/accounts/{name}/resume) or the next calendar month begins"
)

func isUsageCappedType(t string) bool { return strings.HasSuffix(t, "/usage-capped") }

func isUsageCappedBody(b []byte) bool {
	var p problem
	return json.Unmarshal(b, &p) == nil && isUsageCappedType(p.Type)
}

func isReplyRestriction(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "reply to this conversation is not allowed") ||
		strings.Contains(m, "not been mentioned or otherwise engaged") ||
		strings.Contains(m, "restricted who can reply")
}

func isDeletedTarget(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "deleted or not visible")
}

// resetOf reads x-rate-limit-reset (epoch seconds); without it the
// standard 15-minute window is assumed.
func resetOf(h http.Header, now time.Time) time.Time {
	if v, err := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64); err == nil && v > 0 {
		return time.Unix(v, 0).UTC()
	}
	return now.Add(15 * time.Minute)
}

// classifyV2 turns a non-2xx v2 response into a classified error.
func classifyV2(op string, status int, h http.Header, body []byte, now time.Time, post bool) *connectors.Error {
	var p problem
	_ = json.Unmarshal(body, &p)
	detail := p.text()
	if detail == "" {
		detail = http.StatusText(status)
	}
	code := strconv.Itoa(status)
	e := &connectors.Error{Op: op, Code: code}
	switch {
	case status == http.StatusTooManyRequests && isUsageCappedType(p.Type):
		e.Class = connectors.UsageCapped
		e.Message = fmt.Sprintf(usageCappedMsg, detail)
	case status == http.StatusTooManyRequests:
		e.Class = connectors.RateLimited
		e.RetryAt = resetOf(h, now)
		e.Message = "X rate limit reached; next call allowed at " + e.RetryAt.Format(time.RFC3339)
	case status == http.StatusUnauthorized:
		e.Class = connectors.Auth
		e.Message = "X refused the credentials (" + detail + "): the access token expired or was revoked; authorise the account again"
	case status == http.StatusForbidden && isReplyRestriction(detail):
		e.Class = connectors.Permanent
		e.Message = detail + " " + hintReplyByDM
	case status == http.StatusForbidden && isDeletedTarget(detail):
		e.Class = connectors.NotFound
		e.Message = detail
	case status == http.StatusForbidden && strings.Contains(strings.ToLower(detail), "duplicate"):
		e.Class = connectors.Permanent
		e.Message = detail
	case status == http.StatusForbidden:
		e.Class = connectors.Permission
		e.Message = "X refused the request (" + detail + "): check the app's access level and that its permissions are Read, write and Direct Messages"
	case status == http.StatusNotFound:
		e.Class = connectors.NotFound
		e.Message = detail
	case status >= 500:
		e.Class = connectors.Transient
		e.Message = "X server error: " + detail
		e.MayHaveReached = post
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		e.Class = connectors.Permanent
		e.Message = "X rejected the request: " + detail
	default:
		e.Class = connectors.Transient
		e.Message = "unexpected X response: " + detail
	}
	return e
}

// classifyV1 turns a v1.1 failure into a classified error: the HTTP status
// and the first error code decide.
func classifyV1(op string, status int, h http.Header, codes []v1Error, now time.Time, post bool) *connectors.Error {
	var first v1Error
	if len(codes) > 0 {
		first = codes[0]
	}
	msg := first.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := &connectors.Error{Op: op, Code: strconv.Itoa(status)}
	if first.Code != 0 {
		e.Code = strconv.Itoa(first.Code)
	}
	switch {
	case status == http.StatusTooManyRequests && h.Get(usageCappedHeader) != "":
		e.Class = connectors.UsageCapped
		e.Message = fmt.Sprintf(usageCappedMsg, "usage cap exceeded")
	case first.Code == 88 || status == http.StatusTooManyRequests:
		e.Class = connectors.RateLimited
		e.RetryAt = resetOf(h, now)
		e.Message = "X rate limit reached; next call allowed at " + e.RetryAt.Format(time.RFC3339)
	case first.Code == 32 || first.Code == 89 || first.Code == 215 || status == http.StatusUnauthorized:
		e.Class = connectors.Auth
		e.Message = "X refused the credentials (" + msg + "): the tokens are wrong or were revoked; create new ones"
	case first.Code == 453:
		e.Class = connectors.Permission
		e.Message = hintUseV2 + " (X: " + msg + ")"
	case first.Code == 187 || first.Code == 186:
		e.Class = connectors.Permanent
		e.Message = msg
	case first.Code == 433 || isReplyRestriction(msg):
		e.Class = connectors.Permanent
		e.Message = msg + " " + hintReplyByDM
	case first.Code == 144 || first.Code == 385 || first.Code == 34 || first.Code == 50 || first.Code == 8 || status == http.StatusNotFound:
		e.Class = connectors.NotFound
		e.Message = msg
	case status == http.StatusForbidden:
		e.Class = connectors.Permission
		e.Message = "X refused the request (" + msg + "): check the app's access level and permissions"
	case status >= 500:
		e.Class = connectors.Transient
		e.Message = "X server error: " + msg
		e.MayHaveReached = post
	case status == http.StatusBadRequest:
		e.Class = connectors.Permanent
		e.Message = "X rejected the request: " + msg
	default:
		e.Class = connectors.Transient
		e.Message = "unexpected X response: " + msg
	}
	return e
}

// transportError classifies a failure to get a response: a network error
// or timeout. For a POST it may have reached X if the request was written.
func transportError(op string, err error, post, wrote bool) *connectors.Error {
	e := &connectors.Error{Class: connectors.Transient, Op: op, Err: err, MayHaveReached: post && wrote}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.Message = "X did not answer in time"
	case errors.Is(err, context.Canceled):
		e.Message = "request cancelled"
	default:
		e.Message = "cannot reach X: " + redactURLError(err)
	}
	if e.MayHaveReached {
		e.Message += "; the request was sent and may have been applied, verify before re-sending"
	}
	return e
}

// redactURLError keeps an error's message but drops the URL net/http puts
// in front (it names only the endpoint, but errors stay short and free of
// anything a query might carry).
func redactURLError(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// malformed classifies a 2xx body that does not decode.
func malformed(op string, err error, post bool) *connectors.Error {
	return &connectors.Error{Class: connectors.Transient, Op: op, Err: err, MayHaveReached: post,
		Message: "X answered with a body that is not the expected JSON"}
}
