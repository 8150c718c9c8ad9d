package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics counts requests and their latency per route pattern (never
// per raw path, which would let clients explode the label space).
type httpMetrics struct {
	authEvents     *prometheus.CounterVec
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	authFailures   *prometheus.CounterVec
	streamsRefused *prometheus.CounterVec
	handler        http.Handler
}

func newHTTPMetrics(reg *prometheus.Registry) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxd_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "inboxd_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern (event streams: the stream's lifetime).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route"}),
		authEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxd_auth_events_total",
			Help: "People's sign-ins, sign-outs and password changes by event (sign_in, sign_out, set_password, reset_password) and outcome.",
		}, []string{"event", "outcome"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxd_http_auth_failures_total",
			Help: "Requests refused by authentication or authorisation (401, 403, 429 throttled) by route pattern and reason.",
		}, []string{"route", "reason"}),
		streamsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inboxd_event_streams_refused_total", Help: "Event streams refused at a cap (per_token or total).",
		}, []string{"cap"}),
		handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.authEvents, m.authFailures, m.streamsRefused} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: register http metrics: %w", err)
		}
	}
	return m, nil
}

func (m *httpMetrics) auth(event, outcome string) { m.authEvents.WithLabelValues(event, outcome).Inc() }

func (m *httpMetrics) observe(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// statsCollector reads the store's counters at scrape time, so the gauges
// are exactly what /api/v1/stats says, at the cost of one O(1) read.
type statsCollector struct{ s *Server }

var (
	descItems         = prometheus.NewDesc("inboxd_items", "Items by status.", []string{"status"}, nil)
	descItemsChannel  = prometheus.NewDesc("inboxd_items_by_channel", "Items by channel.", []string{"channel"}, nil)
	descItemsAccount  = prometheus.NewDesc("inboxd_items_by_account", "Items by account.", []string{"account"}, nil)
	descItemsUnit     = prometheus.NewDesc("inboxd_items_by_unit", "Items by unit (\"\" is no unit).", []string{"unit"}, nil)
	descWaiting       = prometheus.NewDesc("inboxd_items_waiting", "Items waiting for an answer (new or open).", nil, nil)
	descOldestAge     = prometheus.NewDesc("inboxd_oldest_waiting_age_seconds", "Age of the oldest waiting item (0 when none).", nil, nil)
	descFirstResponse = prometheus.NewDesc("inboxd_first_response_seconds",
		"Time from a citizen's message to the office's first answer, over a trailing window (24h, 7d, 30d): quantiles, the count of items first answered, and their sum (estimated from quarter-octave buckets).",
		[]string{"window"}, nil)
	descLastSuccess = prometheus.NewDesc("inboxd_account_last_success_timestamp_seconds",
		"Unix time of the account's last successful poll (0: none yet), for alerts on a stalled account.", []string{"account", "platform"}, nil)
	descReplies       = prometheus.NewDesc("inboxd_replies", "Replies by outbox state.", []string{"state"}, nil)
	descNeedsDecision = prometheus.NewDesc("inboxd_replies_needing_decision", "Unknown replies the outbox gave up verifying: an operator retries or drops each.", nil, nil)
	descAccountState  = prometheus.NewDesc("inboxd_account_state", "1 for each account's current pipeline state.", []string{"account", "platform", "state"}, nil)
)

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descItems, descItemsChannel, descItemsAccount, descItemsUnit, descWaiting,
		descOldestAge, descFirstResponse, descReplies, descNeedsDecision, descAccountState, descLastSuccess} {
		ch <- d
	}
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	st, err := c.s.store.Stats("")
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descItems, fmt.Errorf("read stats: %w", err))
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for k, v := range st.ByStatus {
		gauge(descItems, float64(v), string(k))
	}
	for k, v := range st.ByChannel {
		gauge(descItemsChannel, float64(v), string(k))
	}
	for k, v := range st.ByAccount {
		gauge(descItemsAccount, float64(v), k)
	}
	for k, v := range st.ByUnit {
		gauge(descItemsUnit, float64(v), k)
	}
	gauge(descWaiting, float64(st.Waiting))
	gauge(descOldestAge, st.OldestAgeSec)
	for win, rw := range st.FirstResponse {
		ch <- prometheus.MustNewConstSummary(descFirstResponse, uint64(rw.Count), rw.SumSeconds,
			map[float64]float64{0.5: rw.P50Seconds, 0.9: rw.P90Seconds}, win)
	}
	for k, v := range st.Replies {
		gauge(descReplies, float64(v), string(k))
	}
	gauge(descNeedsDecision, float64(st.RepliesNeedingDecision))
	if states, err := c.s.accountStates(); err == nil {
		for _, a := range states {
			gauge(descAccountState, 1, a.Name, a.Platform, a.State)
			for _, other := range c.s.knownStates {
				if other != a.State {
					gauge(descAccountState, 0, a.Name, a.Platform, other)
				}
			}
			var last float64
			if a.LastSuccessAt != nil {
				last = float64(a.LastSuccessAt.UnixNano()) / 1e9
			}
			gauge(descLastSuccess, last, a.Name, a.Platform)
		}
	}
}
