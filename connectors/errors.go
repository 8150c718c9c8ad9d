package connectors

import (
	"errors"
	"fmt"
	"time"
)

// Class is what kind of failure a connector met; the scheduler branches on it.
type Class string

const (
	// RateLimited: the platform asks us to wait; RetryAt says until when.
	RateLimited Class = "rate_limited"
	// UsageCapped: the plan's quota is spent; paused until an operator
	// resumes the account or the next month begins.
	UsageCapped Class = "usage_capped"
	// Auth: the token expired or was revoked; the account stops until an
	// operator re-authorises it. Other accounts keep running.
	Auth Class = "auth"
	// Permission: the token lacks a permission or the app an access level.
	Permission Class = "permission"
	// NotFound: the target (post, comment, conversation) no longer exists.
	NotFound Class = "not_found"
	// Permanent: the platform refused this request for good (e.g. Messenger
	// reply outside the allowed window); retrying will not help.
	Permanent Class = "permanent"
	// Transient: network trouble, 5xx, malformed answer; retry with backoff.
	Transient Class = "transient"
)

// Error is the error every connector returns for platform failures.
type Error struct {
	Class   Class
	Op      string // what was being done: "poll comments", "send comment reply"
	Message string // for an operator: what happened and what to do
	// RetryAt is when the platform allows the next call (RateLimited), or
	// zero when it did not say.
	RetryAt time.Time
	// MayHaveReached is set on a send whose request may have reached the
	// platform (timeout or reset after writing, 5xx on a POST): the reply
	// must be verified, never blindly re-sent.
	MayHaveReached bool
	// Code is the platform's own error code, when it gave one ("190/463").
	Code string
	Err  error // the underlying cause, if any
}

// RetryTime is RetryAt, for callers that only need to tell when to retry.
func (e *Error) RetryTime() time.Time { return e.RetryAt }

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	s := string(e.Class)
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if msg != "" {
		s += ": " + msg
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a classified error with a formatted message; a %w verb in
// format wraps its argument as the cause.
func Errorf(class Class, op, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Class: class, Op: op, Message: err.Error(), Err: errors.Unwrap(err)}
}

// ClassOf returns the class of err, Transient for an unclassified error and
// "" for nil. A context cancellation is not a platform failure, but it is
// retried like one.
func ClassOf(err error) Class {
	if err == nil {
		return ""
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Class
	}
	return Transient
}

// RetryAtOf returns when the platform allows the next call, or zero.
func RetryAtOf(err error) time.Time {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.RetryAt
	}
	return time.Time{}
}

// MayHaveReached reports whether a failed send may nevertheless have been
// posted. Unclassified errors are treated as "may have" — the safe side.
func MayHaveReached(err error) bool {
	if err == nil {
		return false
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce.MayHaveReached
	}
	return true
}
