package facebook

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/inboxd/inboxd/connectors/metagraph"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"

	fb "github.com/huandu/facebook/v2"
)

// exchange records what huandu/facebook does not tell its caller about a
// call: the HTTP status and headers of the answer (it ignores the status)
// and whether the request was completely written (for "may have reached").
type exchange struct {
	wrote atomic.Bool

	mu     sync.Mutex
	status int
	header http.Header
}

func (e *exchange) result() (int, http.Header) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status, e.header
}

type exchangeKey struct{}

// recordingClient is the HttpClient given to huandu's Session. It finds the
// call's exchange in the request context, so concurrent calls (a poll and a
// send) never mix up their statuses.
type recordingClient struct{ base *http.Client }

func (rc *recordingClient) Do(req *http.Request) (*http.Response, error) {
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if ex != nil {
		trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				ex.wrote.Store(true)
			}
		}}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	}
	resp, err := rc.base.Do(req)
	if resp != nil && ex != nil {
		ex.mu.Lock()
		ex.status, ex.header = resp.StatusCode, resp.Header.Clone()
		ex.mu.Unlock()
	}
	return resp, err
}

func (rc *recordingClient) Get(url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return rc.Do(req)
}

func (rc *recordingClient) Post(url, bodyType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", bodyType)
	return rc.Do(req)
}

// call makes one Graph call. rel is a path relative to graph_url/version,
// optionally with a query ("123/feed?fields=id"); params go in the query
// (GET) or the form body (POST). It returns the decoded body or a
// classified *connectors.Error.
func (c *Connector) call(ctx context.Context, op string, method fb.Method, rel string, params fb.Params) (fb.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HTTPTimeout)
	defer cancel()
	ex := &exchange{}
	session := c.session.WithContext(context.WithValue(ctx, exchangeKey{}, ex))
	start := c.now()
	res, err := session.Api(rel, method, params)
	status, header := ex.result()
	c.observeUsage(header)
	path, _, _ := strings.Cut(rel, "?")
	if err == nil && status >= 500 {
		err = errors.New("HTTP status " + http.StatusText(status))
	}
	if err != nil {
		cerr := c.classify(op, method, status, header, ex.wrote.Load(), err)
		c.log.Warn("graph call failed", "op", op, "method", string(method), "path", path,
			"status", status, "error", cerr.Error())
		return nil, cerr
	}
	c.log.Debug("graph call", "op", op, "method", string(method), "path", path,
		"status", status, "took", c.now().Sub(start))
	return res, nil
}

// decode turns a huandu Result into a typed struct through JSON, so the
// structs can use the field names Graph documents.
func decode(res fb.Result, v any) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (c *Connector) observeUsage(h http.Header) {
	if h == nil {
		return
	}
	pct, _, found := metagraph.UsageFrom(h)
	if !found {
		return
	}
	c.mu.Lock()
	c.usage.Percent = pct
	c.mu.Unlock()
	if pct >= 80 {
		c.log.Info("graph usage high", "percent", pct)
	}
}
