package metagraph

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inboxd/inboxd/connectors"
)

// maxBody bounds how much of an answer is read.
const maxBody = 16 << 20

// DefaultHTTPTimeout bounds one Graph call.
const DefaultHTTPTimeout = 30 * time.Second

// ClientConfig configures a Client.
type ClientConfig struct {
	GraphURL     string // default DefaultURL
	GraphVersion string // default DefaultVersion
	Token        string // the Page access token
	AppSecret    string // optional: every call carries appsecret_proof
	HTTPClient   *http.Client
	Timeout      time.Duration // per call; default DefaultHTTPTimeout
	Logger       *slog.Logger
	Now          func() time.Time
	Platform     string // for messages: "Instagram"
	Messaging    string // its messaging product
}

// Client is a typed Graph API client over net/http. The token travels in
// the Authorization header only, never in a URL (so never in a log line
// or a stored paging link); with an app secret every call carries
// appsecret_proof. Every answer's usage headers are read, every failure
// is classified (Classifier).
//
// connectors/instagram uses it. connectors/facebook keeps
// github.com/huandu/facebook/v2, which its suite pins down, and shares the
// rest of this package with it.
type Client struct {
	base    *url.URL
	version string
	token   string
	proof   string
	http    *http.Client
	timeout time.Duration
	log     *slog.Logger
	cls     Classifier

	mu    sync.Mutex
	usage float64
}

// NewClient checks cfg and returns a client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.GraphURL == "" {
		cfg.GraphURL = DefaultURL
	}
	if !strings.HasSuffix(cfg.GraphURL, "/") {
		cfg.GraphURL += "/"
	}
	if cfg.GraphVersion == "" {
		cfg.GraphVersion = DefaultVersion
	}
	base, err := url.Parse(cfg.GraphURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("graph_url %q is not an absolute http(s) URL", cfg.GraphURL)
	}
	if !ValidVersion(cfg.GraphVersion) {
		return nil, fmt.Errorf("graph_version %q must look like %s", cfg.GraphVersion, DefaultVersion)
	}
	if cfg.Token == "" {
		return nil, errors.New("page_token is empty (set it to ${FB_PAGE_TOKEN})")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultHTTPTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Client{base: base, version: cfg.GraphVersion, token: cfg.Token, http: cfg.HTTPClient, timeout: cfg.Timeout, log: cfg.Logger,
		cls: Classifier{Platform: cfg.Platform, Messaging: cfg.Messaging, Now: cfg.Now, Scrub: Scrubber(cfg.Token, cfg.AppSecret)}}
	if cfg.AppSecret != "" {
		c.proof = AppsecretProof(cfg.Token, cfg.AppSecret)
	}
	return c, nil
}

// AppsecretProof is Graph's appsecret_proof: the hex HMAC-SHA256 of the
// access token keyed with the app secret.
func AppsecretProof(token, appSecret string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Base is graph_url, parsed (for RelativeURL).
func (c *Client) Base() *url.URL { return c.base }

// Scrub removes the token and app secret from a text.
func (c *Client) Scrub(s string) string { return c.cls.Scrub(s) }

// Classifier is the client's classifier.
func (c *Client) Classifier() Classifier { return c.cls }

// Usage is the highest usage percentage the last answer's headers reported.
func (c *Client) Usage() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usage
}

// Get reads rel (relative to graph_url and the version, optionally with a
// query, e.g. a stored paging link) with q added, into v.
func (c *Client) Get(ctx context.Context, op, rel string, q url.Values, v any) error {
	return c.do(ctx, op, http.MethodGet, rel, q, "", nil, v)
}

// PostForm posts form parameters to rel.
func (c *Client) PostForm(ctx context.Context, op, rel string, form url.Values, v any) error {
	return c.do(ctx, op, http.MethodPost, rel, nil, "application/x-www-form-urlencoded", []byte(form.Encode()), v)
}

func (c *Client) do(ctx context.Context, op, method, rel string, q url.Values, ctype string, body []byte, v any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	path, rawQuery, _ := strings.Cut(rel, "?")
	u := *c.base
	u.Path = c.base.Path + c.version + "/" + strings.TrimPrefix(path, "/")
	query, _ := url.ParseQuery(rawQuery)
	for k, vs := range q {
		query[k] = vs
	}
	query.Del("access_token") // the token goes in the header only
	if c.proof != "" {
		query.Set("appsecret_proof", c.proof)
	}
	u.RawQuery = query.Encode()

	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(true)
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	f := Failure{Op: op, Post: method != http.MethodGet}
	resp, err := c.http.Do(req)
	if err != nil {
		f.Err, f.Wrote, f.Canceled = err, wrote.Load(), ctx.Err() != nil && errors.Is(err, context.Canceled)
		return c.fail(f, method, path)
	}
	defer resp.Body.Close()
	f.Status, f.Header, f.Wrote = resp.StatusCode, resp.Header, true
	c.observeUsage(resp.Header)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		f.Err = err
		return c.fail(f, method, path)
	}
	var envelope struct {
		Error *GraphError `json:"error"`
	}
	jerr := json.Unmarshal(raw, &envelope)
	switch {
	case jerr == nil && envelope.Error != nil:
		f.Graph, f.Err = envelope.Error, envelope.Error
		return c.fail(f, method, path)
	case resp.StatusCode >= 400 || jerr != nil:
		f.NotJSON, f.Err = jerr != nil, fmt.Errorf("HTTP %d", resp.StatusCode)
		return c.fail(f, method, path)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			return c.Malformed(op, err)
		}
	}
	c.log.Debug("graph call", "op", op, "method", method, "path", path, "status", resp.StatusCode)
	return nil
}

func (c *Client) fail(f Failure, method, path string) error {
	cerr := c.cls.Classify(f)
	c.log.Warn("graph call failed", "op", f.Op, "method", method, "path", path, "status", f.Status, "error", cerr.Error())
	return cerr
}

// Malformed is the error of an answer that does not have the documented shape.
func (c *Client) Malformed(op string, err error) error {
	msg := c.Scrub(err.Error())
	return &connectors.Error{Class: connectors.Transient, Op: op,
		Message: c.cls.Platform + "'s answer did not have the documented shape: " + msg, Err: errors.New(msg)}
}

func (c *Client) observeUsage(h http.Header) {
	pct, _, found := UsageFrom(h)
	if !found {
		return
	}
	c.mu.Lock()
	c.usage = pct
	c.mu.Unlock()
	if pct >= 80 {
		c.log.Info("graph usage high", "percent", pct)
	}
}
