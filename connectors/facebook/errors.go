package facebook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxd/inboxd/connectors"
)

// defaultRateLimitBackoff is the pause after a rate-limit error whose
// headers do not say how long to wait.
const defaultRateLimitBackoff = 15 * time.Minute

// Graph error codes and subcodes inboxd branches on.
const (
	codeUnknown            = 1
	codeService            = 2
	codeAppRateLimit       = 4
	codePermission         = 10
	codeUserRateLimit      = 17
	codePageRateLimit      = 32
	codeParam              = 100
	codeSession            = 102
	codeOAuth              = 190
	codeBlocked            = 368
	codePersonUnavailable  = 551
	codeCustomRateLimit    = 613
	codePageBUCRateLimit   = 80001
	codeMessengerRateLimit = 80006
	// Private replies: the legacy private_replies edge answered these for
	// a second reply and for a comment too old to answer privately.
	codeAlreadyReplied = 10900
	codeCannotReply    = 10903

	subcodeNoObject = 33
	// The Send API's private-reply path answers (#100) "Invalid comment_id
	// parameter" with this subcode for all of: already answered
	// privately, older than 7 days, not allowed for this comment.
	subcodeInvalidCommentID = 2018292
	subcodeOutsideWindow    = 2018278
	subcodeOutsideWindow2   = 2018065
)

// classify turns a failed call into a *connectors.Error. status and header
// are the HTTP answer (status 0: none arrived); wrote says whether the
// request was completely written.
func (c *Connector) classify(op string, method fb.Method, status int, header http.Header, wrote bool, err error) *connectors.Error {
	post := method != fb.GET
	out := &connectors.Error{Op: op, Err: c.scrub(err)}

	var ge *fb.Error
	var ue *fb.UnmarshalError
	switch {
	case errors.As(err, &ge):
		out.Code = strconv.Itoa(ge.Code)
		if ge.ErrorSubcode != 0 {
			out.Code += "/" + strconv.Itoa(ge.ErrorSubcode)
		}
		msg := c.scrubString(ge.Message)
		c.classifyGraph(out, ge, msg, header)
		if status >= 500 {
			out.Class = connectors.Transient
		}
		// A 5xx (or Graph's "unknown/temporary" errors) on a POST may
		// hide a reply that was posted all the same.
		out.MayHaveReached = post && (status >= 500 || ge.Code == codeUnknown || ge.Code == codeService)
	case errors.Is(err, context.Canceled) && status == 0:
		out.Class = connectors.Transient
		out.Message = "cancelled before Facebook answered"
		out.MayHaveReached = post && wrote
	case errors.As(err, &ue) || status != 0:
		// An answer came but it is not Graph JSON (a proxy's HTML page, a
		// truncated body) or it is a 5xx: the request reached Facebook.
		out.Class = connectors.Transient
		out.Message = fmt.Sprintf("Facebook answered HTTP %d with a body that is not Graph JSON", status)
		if status >= 500 {
			out.Message = fmt.Sprintf("Facebook answered HTTP %d", status)
		}
		out.MayHaveReached = post
	default:
		// Network trouble: refused, reset, timed out. Whether Facebook saw
		// it depends on whether the request had been fully written.
		out.Class = connectors.Transient
		out.Message = "could not reach Facebook: " + c.scrubString(err.Error())
		out.MayHaveReached = post && wrote
	}
	return out
}

func (c *Connector) classifyGraph(out *connectors.Error, ge *fb.Error, msg string, header http.Header) {
	switch code := ge.Code; {
	case code == codeOAuth || code == codeSession:
		out.Class = connectors.Auth
		out.Message = "the Page token was refused (" + msg + "): generate a new long-lived Page token, set FB_PAGE_TOKEN and restart; check it with `inboxd probe`"
	case code == codePermission && (ge.ErrorSubcode == subcodeOutsideWindow || ge.ErrorSubcode == subcodeOutsideWindow2):
		out.Class = connectors.Permanent
		out.Message = "messaging window closed: Messenger only allows an answer within 24 hours of the citizen's last message (" + msg + "); answer publicly or wait for the citizen to write again"
	case code == codePersonUnavailable:
		out.Class = connectors.Permanent
		out.Message = "person unavailable: Messenger cannot deliver to this person now (" + msg + "); answer publicly or wait for the citizen to write again"
	case code == codePermission || (code >= 200 && code <= 299):
		out.Class = connectors.Permission
		out.Message = "the Page token lacks a permission or the app an access level (" + msg + "); run `inboxd probe` to see which"
	case code == codeAppRateLimit || code == codeUserRateLimit || code == codePageRateLimit ||
		code == codeCustomRateLimit || code == codePageBUCRateLimit || code == codeMessengerRateLimit:
		out.Class = connectors.RateLimited
		out.RetryAt = c.retryAfter(header)
		out.Message = "Facebook rate limit reached (" + msg + "); calls resume at " + out.RetryAt.UTC().Format(time.RFC3339)
	case code == codeParam && ge.ErrorSubcode == subcodeNoObject:
		out.Class = connectors.NotFound
		out.Message = "the post, comment or conversation no longer exists or cannot be seen (" + msg + ")"
	case code == codeParam && ge.ErrorSubcode == subcodeInvalidCommentID:
		out.Class = connectors.Permanent
		out.Message = "Facebook will not take a private reply to this comment (" + msg + "): Meta allows one private reply per comment, " +
			"only within 7 days of the comment, and not for every comment; answer publicly instead"
	case code == codeAlreadyReplied:
		out.Class = connectors.Permanent
		out.Message = "Meta allows one private reply per comment and this comment already has one (" + msg + "); answer publicly or wait for the citizen to write in Messenger"
	case code == codeCannotReply:
		out.Class = connectors.Permanent
		out.Message = "this comment can no longer be answered privately: Meta allows a private reply only within 7 days of the comment (" + msg + "); answer publicly"
	case code == codeParam || code == codeBlocked:
		out.Class = connectors.Permanent
		out.Message = "Facebook refused the request (" + msg + ")"
	case code == codeUnknown || code == codeService || ge.IsTransient:
		out.Class = connectors.Transient
		out.Message = "Facebook had a temporary problem (" + msg + ")"
	default:
		out.Class = connectors.Permanent
		out.Message = "Facebook refused the request (" + msg + ")"
	}
}

// scrub makes sure no secret survives in an error (huandu strips
// access_token from URLs, but an error may quote anything).
func (c *Connector) scrub(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if clean := c.scrubString(s); clean != s {
		return errors.New(clean)
	}
	return err
}

func (c *Connector) scrubString(s string) string {
	for _, secret := range []string{c.cfg.PageToken, c.cfg.AppSecret} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
