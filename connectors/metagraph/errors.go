package metagraph

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

// DefaultRateLimitBackoff is the pause after a rate-limit error whose
// headers do not say how long to wait.
const DefaultRateLimitBackoff = 15 * time.Minute

// Graph error codes and subcodes inboxd branches on. Facebook Pages and
// Instagram professional accounts answer with the same envelope and, for
// everything but the messaging window, the same codes (Meta's "Graph API
// error handling" and "Messenger Platform error codes" pages; the
// Instagram Platform's "Error codes" page adds only content-publishing
// codes, which inboxd never calls).
const (
	CodeUnknown            = 1
	CodeService            = 2
	CodeAppRateLimit       = 4
	CodePermission         = 10
	CodeUserRateLimit      = 17
	CodePageRateLimit      = 32
	CodeParam              = 100
	CodeSession            = 102
	CodeOAuth              = 190
	CodeBlocked            = 368
	CodePersonUnavailable  = 551
	CodeCustomRateLimit    = 613
	CodePageBUCRateLimit   = 80001
	CodeIGBUCRateLimit     = 80002
	CodeMessengerRateLimit = 80006
	// Private replies: the legacy private_replies edge answered these for
	// a second reply and for a comment too old to answer privately.
	CodeAlreadyReplied = 10900
	CodeCannotReply    = 10903

	SubcodeNoObject = 33
	// The Send API's private-reply path answers (#100) "Invalid comment_id
	// parameter" with this subcode for all of: already answered
	// privately, older than 7 days, not allowed for this comment.
	SubcodeInvalidCommentID = 2018292
	// Messages sent outside the messaging window: Messenger's (today's and
	// the 2017 variant) and Instagram's.
	SubcodeOutsideWindow   = 2018278
	SubcodeOutsideWindow2  = 2018065
	SubcodeIGOutsideWindow = 2534022
)

// GraphError is the "error" object of a Graph answer.
type GraphError struct {
	Message   string `json:"message"`
	Type      string `json:"type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode"`
	Transient bool   `json:"is_transient"`
	TraceID   string `json:"fbtrace_id"`
}

func (e *GraphError) Error() string {
	s := fmt.Sprintf("graph error %d", e.Code)
	if e.Subcode != 0 {
		s += "/" + strconv.Itoa(e.Subcode)
	}
	return s + ": " + e.Message
}

// Failure is one failed Graph call as a connector saw it.
type Failure struct {
	Op     string
	Post   bool        // a write: it may have reached the platform
	Status int         // HTTP status; 0: no answer arrived
	Header http.Header // the answer's headers
	Wrote  bool        // the request was completely written
	Err    error
	// Graph is the Graph error of the answer, when it had one.
	Graph *GraphError
	// NotJSON: an answer came whose body is not Graph JSON.
	NotJSON  bool
	Canceled bool // the caller's context ended before an answer
}

// Classifier turns a platform's failed Graph calls into *connectors.Error.
type Classifier struct {
	Platform  string // in messages: "Facebook", "Instagram"
	Messaging string // its messaging product: "Messenger", "Instagram"
	Now       func() time.Time
	// Scrub removes the account's secrets from a text.
	Scrub func(string) string
}

// Classify is the connectors.Error of a failed call.
func (c Classifier) Classify(f Failure) *connectors.Error {
	out := &connectors.Error{Op: f.Op, Err: c.scrubErr(f.Err)}
	switch {
	case f.Graph != nil:
		ge := f.Graph
		out.Code = strconv.Itoa(ge.Code)
		if ge.Subcode != 0 {
			out.Code += "/" + strconv.Itoa(ge.Subcode)
		}
		c.classifyGraph(out, ge, c.Scrub(ge.Message), f.Header)
		if f.Status >= 500 {
			out.Class = connectors.Transient
		}
		// A 5xx (or Graph's "unknown/temporary" errors) on a POST may
		// hide a reply that was posted all the same.
		out.MayHaveReached = f.Post && (f.Status >= 500 || ge.Code == CodeUnknown || ge.Code == CodeService)
	case f.Canceled && f.Status == 0:
		out.Class = connectors.Transient
		out.Message = "cancelled before " + c.Platform + " answered"
		out.MayHaveReached = f.Post && f.Wrote
	case f.NotJSON || f.Status != 0:
		// An answer came but it is not Graph JSON (a proxy's HTML page, a
		// truncated body) or it is a 5xx: the request reached the platform.
		out.Class = connectors.Transient
		out.Message = fmt.Sprintf("%s answered HTTP %d with a body that is not Graph JSON", c.Platform, f.Status)
		if f.Status >= 500 {
			out.Message = fmt.Sprintf("%s answered HTTP %d", c.Platform, f.Status)
		}
		out.MayHaveReached = f.Post
	default:
		// Network trouble: refused, reset, timed out. Whether the platform
		// saw it depends on whether the request had been fully written.
		out.Class = connectors.Transient
		out.Message = "could not reach " + c.Platform + ": " + c.Scrub(errText(f.Err))
		out.MayHaveReached = f.Post && f.Wrote
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return "no answer"
	}
	return err.Error()
}

func (c Classifier) classifyGraph(out *connectors.Error, ge *GraphError, msg string, header http.Header) {
	switch code := ge.Code; {
	case code == CodeOAuth || code == CodeSession:
		out.Class = connectors.Auth
		out.Message = "the Page token was refused (" + msg + "): generate a new long-lived Page token, set FB_PAGE_TOKEN and restart; check it with `inboxd probe`"
	case code == CodePermission && (ge.Subcode == SubcodeOutsideWindow || ge.Subcode == SubcodeOutsideWindow2 || ge.Subcode == SubcodeIGOutsideWindow):
		out.Class = connectors.Permanent
		out.Message = "messaging window closed: " + c.Messaging + " only allows an answer within 24 hours of the citizen's last message (" + msg + "); answer publicly or wait for the citizen to write again"
	case code == CodePersonUnavailable:
		out.Class = connectors.Permanent
		out.Message = "person unavailable: " + c.Messaging + " cannot deliver to this person now (" + msg + "); answer publicly or wait for the citizen to write again"
	case code == CodePermission || (code >= 200 && code <= 299):
		out.Class = connectors.Permission
		out.Message = "the Page token lacks a permission or the app an access level (" + msg + "); run `inboxd probe` to see which"
	case code == CodeAppRateLimit || code == CodeUserRateLimit || code == CodePageRateLimit ||
		code == CodeCustomRateLimit || code == CodePageBUCRateLimit || code == CodeIGBUCRateLimit || code == CodeMessengerRateLimit:
		out.Class = connectors.RateLimited
		out.RetryAt = c.RetryAfter(header)
		out.Message = c.Platform + " rate limit reached (" + msg + "); calls resume at " + out.RetryAt.UTC().Format(time.RFC3339)
	case code == CodeParam && ge.Subcode == SubcodeNoObject:
		out.Class = connectors.NotFound
		out.Message = "the post, comment or conversation no longer exists or cannot be seen (" + msg + ")"
	case code == CodeParam && ge.Subcode == SubcodeInvalidCommentID:
		out.Class = connectors.Permanent
		out.Message = c.Platform + " will not take a private reply to this comment (" + msg + "): Meta allows one private reply per comment, " +
			"only within 7 days of the comment, and not for every comment; answer publicly instead"
	case code == CodeAlreadyReplied:
		out.Class = connectors.Permanent
		out.Message = "Meta allows one private reply per comment and this comment already has one (" + msg + "); answer publicly or wait for the citizen to write in " + c.Messaging
	case code == CodeCannotReply:
		out.Class = connectors.Permanent
		out.Message = "this comment can no longer be answered privately: Meta allows a private reply only within 7 days of the comment (" + msg + "); answer publicly"
	case code == CodeParam || code == CodeBlocked:
		out.Class = connectors.Permanent
		out.Message = c.Platform + " refused the request (" + msg + ")"
	case code == CodeUnknown || code == CodeService || ge.Transient:
		out.Class = connectors.Transient
		out.Message = c.Platform + " had a temporary problem (" + msg + ")"
	default:
		out.Class = connectors.Permanent
		out.Message = c.Platform + " refused the request (" + msg + ")"
	}
}

// RetryAfter is when a rate-limited account may call again: the usage
// headers' estimated_time_to_regain_access, or DefaultRateLimitBackoff.
func (c Classifier) RetryAfter(h http.Header) time.Time {
	_, regain, _ := UsageFrom(h)
	if regain > 0 {
		return c.Now().Add(time.Duration(regain * float64(time.Minute)))
	}
	return c.Now().Add(DefaultRateLimitBackoff)
}

func (c Classifier) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if clean := c.Scrub(s); clean != s {
		return scrubbedError(clean)
	}
	return err
}

type scrubbedError string

func (e scrubbedError) Error() string { return string(e) }

// Scrubber replaces each secret (of 4 characters or more) in a text.
func Scrubber(secrets ...string) func(string) string {
	return func(s string) string {
		for _, secret := range secrets {
			if len(secret) >= 4 {
				s = strings.ReplaceAll(s, secret, "[redacted]")
			}
		}
		return s
	}
}
