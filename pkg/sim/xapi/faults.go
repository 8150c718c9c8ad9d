package xapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a failure the fake can play instead of (or after) serving a request.
type FaultKind int

const (
	// FaultRateLimited answers 429 with x-rate-limit-reset = Fault.Reset
	// (v2 problem body, or v1.1 code 88).
	FaultRateLimited FaultKind = iota + 1
	// FaultUsageCapped answers 429 with X's UsageCapExceeded problem body.
	FaultUsageCapped
	// FaultUnauthorized answers 401 (v2 problem, or v1.1 code 32).
	FaultUnauthorized
	// FaultForbidden453 answers 403 with v1.1 code 453: the endpoint is
	// not in the app's access level.
	FaultForbidden453
	// FaultServerError answers 500.
	FaultServerError
	// FaultSlow holds the request until Fault.Release is closed (then
	// serves it) or the client gives up.
	FaultSlow
	// FaultMalformed answers 200 with a body that is not valid JSON.
	FaultMalformed
)

// Fault is injected on an endpoint for its next Times requests.
type Fault struct {
	Kind  FaultKind
	Times int       // how many requests it applies to; 0 means 1
	Reset time.Time // FaultRateLimited: when the window resets (default now + window)
	// Release ends a FaultSlow hold; nil holds until the client gives up.
	Release <-chan struct{}
	// Arrived, if set, receives (without blocking) when a request meets the fault.
	Arrived chan<- struct{}
	// AfterEffect serves the request for real first and then answers with
	// the fault: a POST that reached X although the client saw a failure.
	AfterEffect bool
}

// Inject queues a fault for the next requests to an endpoint. Faults
// queued on one endpoint apply in order.
func (s *Server) Inject(ep Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults[ep] = append(s.faults[ep], &f)
}

// takeFaultLocked returns the fault that applies to this request, if any.
func (s *Server) takeFaultLocked(ep Endpoint) *Fault {
	q := s.faults[ep]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	f.Times--
	if f.Times <= 0 {
		s.faults[ep] = q[1:]
	}
	cp := *f
	return &cp
}

// window is one endpoint's rate-limit window.
type window struct {
	start time.Time
	used  int
}

// rateLimit is the limit, remaining and reset of an endpoint's window
// after counting the current request; ok is false when it is over.
type rateLimit struct {
	limit, remaining int
	reset            time.Time
	ok               bool
}

func (s *Server) limitOf(ep Endpoint) int {
	if n, ok := s.opts.Limits[ep]; ok {
		return n
	}
	if n, ok := defaultLimits[ep]; ok {
		return n
	}
	return defaultLimit
}

func (s *Server) countLocked(ep Endpoint) rateLimit {
	now := s.now()
	w := s.windows[ep]
	if w == nil || !now.Before(w.start.Add(s.opts.Window)) {
		w = &window{start: now}
		s.windows[ep] = w
	}
	limit := s.limitOf(ep)
	w.used++
	rl := rateLimit{limit: limit, remaining: max(limit-w.used, 0), reset: w.start.Add(s.opts.Window), ok: true}
	if w.used > limit && !s.opts.NoLimits {
		rl.ok = false
	}
	return rl
}

func setRateHeaders(w http.ResponseWriter, rl rateLimit) {
	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(rl.limit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(rl.remaining))
	h.Set("x-rate-limit-reset", strconv.FormatInt(rl.reset.Unix(), 10))
}

// Problem bodies, in the shapes X sends (see the platform samples).
var (
	problemTooMany     = map[string]any{"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
	problemUnauthorize = map[string]any{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
	problemServer      = map[string]any{"title": "Internal Server Error", "detail": "Internal Server Error", "type": "about:blank", "status": 500}
	problemUsageCapped = map[string]any{
		"account_id": "1234567890", "product_name": "standard-basic", "title": "UsageCapExceeded",
		"period": "Monthly", "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap",
		"type": "https://api.twitter.com/2/problems/usage-capped",
	}
	problemReplyRestricted = map[string]any{
		"title": "Forbidden", "status": 403, "type": "about:blank",
		"detail": "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.",
	}
	problemReplyDeleted = map[string]any{
		"title": "Forbidden", "status": 403, "type": "about:blank",
		"detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
	}
	problemDuplicate = map[string]any{
		"title": "Forbidden", "status": 403, "type": "about:blank",
		"detail": "You are not allowed to create a Tweet with duplicate content.",
	}
)

func problemNotFound(kind, id string) map[string]any {
	return map[string]any{
		"title": "Not Found Error", "status": 404, "type": "https://api.x.com/2/problems/resource-not-found",
		"detail": "Could not find " + kind + " with id: [" + id + "].", "resource_type": kind, "resource_id": id,
	}
}

func problemInvalid(detail string) map[string]any {
	return map[string]any{
		"title": "Invalid Request", "status": 400, "type": "https://api.x.com/2/problems/invalid-request",
		"detail": detail, "errors": []map[string]any{{"message": detail}},
	}
}

// v1Errors is v1.1's error envelope.
func v1Errors(code int, message string) map[string]any {
	return map[string]any{"errors": []map[string]any{{"code": code, "message": message}}}
}

const message453 = "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level. You can learn more here: https://developer.x.com/en/portal/product"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, p map[string]any) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// playFault answers a request with the fault; it reports whether the
// response is written (false: FaultSlow was released, serve normally).
func (s *Server) playFault(w http.ResponseWriter, r *http.Request, v1 bool, f *Fault, rl rateLimit) bool {
	if f.Arrived != nil {
		select {
		case f.Arrived <- struct{}{}:
		default:
		}
	}
	switch f.Kind {
	case FaultRateLimited:
		reset := f.Reset
		if reset.IsZero() {
			reset = s.now().Add(s.opts.Window)
		}
		setRateHeaders(w, rateLimit{limit: rl.limit, remaining: 0, reset: reset})
		if v1 {
			writeJSON(w, http.StatusTooManyRequests, v1Errors(88, "Rate limit exceeded"))
		} else {
			writeProblem(w, http.StatusTooManyRequests, problemTooMany)
		}
	case FaultUsageCapped:
		if v1 {
			writeJSON(w, http.StatusTooManyRequests, problemUsageCapped)
		} else {
			writeProblem(w, http.StatusTooManyRequests, problemUsageCapped)
		}
	case FaultUnauthorized:
		if v1 {
			writeJSON(w, http.StatusUnauthorized, v1Errors(32, "Could not authenticate you."))
		} else {
			writeProblem(w, http.StatusUnauthorized, problemUnauthorize)
		}
	case FaultForbidden453:
		writeJSON(w, http.StatusForbidden, v1Errors(453, message453))
	case FaultServerError:
		if v1 {
			writeJSON(w, http.StatusInternalServerError, v1Errors(131, "Internal error"))
		} else {
			writeProblem(w, http.StatusInternalServerError, problemServer)
		}
	case FaultSlow:
		select {
		case <-r.Context().Done():
			return true
		case <-f.Release:
			return false
		}
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"data": [{"id": "12`))
	}
	return true
}
