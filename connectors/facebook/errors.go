package facebook

import (
	"context"
	"errors"
	"net/http"

	fb "github.com/huandu/facebook/v2"

	"github.com/inboxd/inboxd/connectors"
	"github.com/inboxd/inboxd/connectors/metagraph"
)

// defaultRateLimitBackoff is the pause after a rate-limit error whose
// headers do not say how long to wait.
const defaultRateLimitBackoff = metagraph.DefaultRateLimitBackoff

// classifier classifies the Page's failed Graph calls (metagraph's rules,
// shared with Instagram).
func (c *Connector) classifier() metagraph.Classifier {
	return metagraph.Classifier{Platform: "Facebook", Messaging: "Messenger", Now: c.now, Scrub: c.scrubString}
}

// classify turns a failed call into a *connectors.Error. status and header
// are the HTTP answer (status 0: none arrived); wrote says whether the
// request was completely written.
func (c *Connector) classify(op string, method fb.Method, status int, header http.Header, wrote bool, err error) *connectors.Error {
	f := metagraph.Failure{Op: op, Post: method != fb.GET, Status: status, Header: header, Wrote: wrote, Err: err,
		Canceled: errors.Is(err, context.Canceled)}
	var ge *fb.Error
	var ue *fb.UnmarshalError
	switch {
	case errors.As(err, &ge):
		f.Graph = &metagraph.GraphError{Message: ge.Message, Type: ge.Type, Code: ge.Code, Subcode: ge.ErrorSubcode,
			Transient: ge.IsTransient, TraceID: ge.TraceID}
	case errors.As(err, &ue):
		f.NotJSON = true
	}
	return c.classifier().Classify(f)
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
	return metagraph.Scrubber(c.cfg.PageToken, c.cfg.AppSecret)(s)
}
