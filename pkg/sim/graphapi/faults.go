package graphapi

import (
	"fmt"
	"net/http"
	"time"
)

// FaultKind is a failure the fake can inject on an endpoint.
type FaultKind int

const (
	// FaultRateLimit answers with a rate-limit error (Code: 4, 17, 32, 613,
	// 80001 or 80006; default 80001) and usage headers at 100 % with
	// estimated_time_to_regain_access = RegainMinutes.
	FaultRateLimit FaultKind = iota + 1
	// FaultExpiredToken answers 190 with subcode 463 (Subcode overrides).
	FaultExpiredToken
	// FaultServerError answers HTTP 500 with Graph's code 1 "unknown error".
	FaultServerError
	// FaultBadGateway answers HTTP 502 with an HTML page, as a proxy in
	// front of Graph does: not JSON at all.
	FaultBadGateway
	// FaultGraphError answers the Graph error Code/Subcode/Message with Status
	// (default 400) without applying the request.
	FaultGraphError
	// FaultSlow applies the request, then holds the response until Release
	// is closed, Delay has passed or the client gives up (its context ends).
	FaultSlow
	// FaultMalformed applies the request and answers 200 with a truncated body.
	FaultMalformed
	// FaultReset applies the request and drops the connection without an
	// answer, as a reset after the body was written looks to a client.
	FaultReset
)

// Fault describes one injected failure.
type Fault struct {
	Kind          FaultKind
	Code, Subcode int
	Message       string
	Status        int
	IsTransient   bool
	RegainMinutes int
	// Release ends a FaultSlow hold when closed; Delay, if set, ends it
	// after that long (for the demo; tests use Release).
	Release <-chan struct{}
	Delay   time.Duration
	// Arrived, if set, receives one value when the faulty request arrives
	// (tests use it instead of sleeping). The send does not block.
	Arrived chan<- struct{}
	// Times is how many matching requests fail: 0 means once, -1 forever.
	Times int
}

// Fail queues a fault for an endpoint (one of the Endpoint constants).
// Faults on an endpoint are used in the order they were queued.
func (s *Server) Fail(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults[endpoint] = append(s.faults[endpoint], &f)
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*Fault{}
}

// takeFaultLocked returns the fault for this request, if any, and uses it up.
func (s *Server) takeFaultLocked(endpoint string) *Fault {
	q := s.faults[endpoint]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			s.faults[endpoint] = q[1:]
		}
	}
	if f.Arrived != nil {
		select {
		case f.Arrived <- struct{}{}:
		default:
		}
	}
	return f
}

// graphError is Graph's error envelope body.
type graphError struct {
	Message      string `json:"message"`
	Type         string `json:"type"`
	Code         int    `json:"code"`
	ErrorSubcode int    `json:"error_subcode,omitempty"`
	IsTransient  bool   `json:"is_transient,omitempty"`
	UserTitle    string `json:"error_user_title,omitempty"`
	UserMsg      string `json:"error_user_msg,omitempty"`
	FBTraceID    string `json:"fbtrace_id"`
}

// errorResponse is a failed answer: HTTP status and the envelope.
type errorResponse struct {
	status int
	err    graphError
	// regain is estimated_time_to_regain_access (minutes) for the usage header.
	regain int
	full   bool // report usage at 100 %
}

func (e *errorResponse) Error() string { return fmt.Sprintf("graph error %d", e.err.Code) }

var rateLimitMessages = map[int]string{
	4:     "(#4) Application request limit reached",
	17:    "(#17) User request limit reached",
	32:    "(#32) Page request limit reached",
	613:   "(#613) Calls to this api have exceeded the rate limit.",
	80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
	80006: "(#80006) There have been too many messenger api calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}

func newError(status, code, subcode int, typ, msg string) *errorResponse {
	return &errorResponse{status: status, err: graphError{Message: msg, Type: typ, Code: code, ErrorSubcode: subcode}}
}

func errNoObject(method, id string) *errorResponse {
	verb := "get"
	if method == http.MethodPost {
		verb = "post"
	}
	return newError(http.StatusBadRequest, 100, 33, "GraphMethodException", fmt.Sprintf(
		"Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", verb, id))
}

func errParam(msg string) *errorResponse {
	return newError(http.StatusBadRequest, 100, 0, "OAuthException", "(#100) "+msg)
}

// faultError turns an error-kind fault into the answer it stands for.
func faultError(f *Fault) *errorResponse {
	switch f.Kind {
	case FaultRateLimit:
		code := f.Code
		if code == 0 {
			code = 80001
		}
		msg := f.Message
		if msg == "" {
			msg = rateLimitMessages[code]
		}
		e := newError(http.StatusBadRequest, code, f.Subcode, "OAuthException", msg)
		if code == 4 || code == 17 || code == 32 || code == 613 {
			e.err.IsTransient = true
		}
		e.regain, e.full = f.RegainMinutes, true
		return e
	case FaultExpiredToken:
		sub := f.Subcode
		if sub == 0 {
			sub = 463
		}
		msg := f.Message
		if msg == "" {
			msg = "Error validating access token: Session has expired on Wednesday, 14-Feb-18 18:00:00 PST. The current time is Thursday, 15-Feb-18 13:46:35 PST."
		}
		return newError(http.StatusBadRequest, 190, sub, "OAuthException", msg)
	case FaultServerError:
		e := newError(http.StatusInternalServerError, 1, 0, "OAuthException", "An unknown error has occurred.")
		e.err.IsTransient = true
		return e
	case FaultGraphError:
		status := f.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		e := newError(status, f.Code, f.Subcode, "OAuthException", f.Message)
		e.err.IsTransient = f.IsTransient
		return e
	}
	return nil
}
