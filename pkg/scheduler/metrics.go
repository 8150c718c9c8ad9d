package scheduler

import (
	"errors"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/inboxd/inboxd/connectors"
)

// metrics are the pipeline's Prometheus series.
type metrics struct {
	polls           *prometheus.CounterVec   // account, outcome
	pollDuration    *prometheus.HistogramVec // account, outcome
	ingested        *prometheus.CounterVec   // account
	duplicates      *prometheus.CounterVec   // account
	externalReplies *prometheus.CounterVec   // account
	quarantined     *prometheus.CounterVec   // account
	panics          *prometheus.CounterVec   // where: poll, send, verify, cron
	deliveries      *prometheus.CounterVec   // account, outcome
	deliveryLatency *prometheus.HistogramVec // account
	usageRatio      *prometheus.GaugeVec     // account
	rateRemaining   *prometheus.GaugeVec     // account; absent until the platform reports a window
	reads           *prometheus.CounterVec   // account

	mu        sync.Mutex
	readsSeen map[string]readsMark // account → the last ReadsToday counted
}

// readsMark is the platform's per-day read count last added to reads.
type readsMark struct {
	day string
	n   int64
}

// Delivery outcomes (label values of inboxd_deliveries_total).
const (
	deliverySent           = "sent"
	deliveryRetry          = "retry"
	deliveryUnknown        = "unknown"
	deliveryFailed         = "failed"
	deliveryAccountStopped = "account_stopped"
	deliveryVerifiedSent   = "verified_sent"
	deliveryVerifiedAbsent = "verified_absent"
	deliveryNeedsDecision  = "needs_decision" // Verify gave up: an operator decides
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns = "inboxd"
	m := &metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "polls_total",
			Help: "Polls per account and outcome (ok, cancelled, or the error class)."}, []string{"account", "outcome"}),
		pollDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "poll_duration_seconds",
			Help:    "Duration of a poll (all its pages) per account and outcome.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}}, []string{"account", "outcome"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "items_ingested_total",
			Help: "New items stored per account."}, []string{"account"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "items_duplicate_total",
			Help: "Polled items already in the queue, per account."}, []string{"account"}),
		externalReplies: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "external_replies_total",
			Help: "Replies written on the platform outside inboxd, recorded per account."}, []string{"account"}),
		quarantined: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "records_quarantined_total",
			Help: "Polled records inboxd could not use and quarantined (GET /api/v1/quarantine), per account."}, []string{"account"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "panics_recovered_total",
			Help: "Panics recovered in connectors or jobs; the daemon stayed up."}, []string{"where"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "deliveries_total",
			Help: "Reply delivery attempts per account and outcome."}, []string{"account", "outcome"}),
		deliveryLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "delivery_latency_seconds",
			Help:    "Time from a reply being queued to being sent.",
			Buckets: []float64{.1, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}}, []string{"account"}),
		usageRatio: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "platform_usage_ratio",
			Help: "Highest platform usage reported, 0-1 (Facebook X-App-Usage / X-Business-Use-Case-Usage; 1 is the limit)."}, []string{"account"}),
		rateRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "platform_rate_limit_remaining",
			Help: "Calls left in the current rate-limit window (X x-rate-limit-remaining); absent where the platform reports none (Facebook)."}, []string{"account"}),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "platform_reads_total",
			Help: "Resources read from the platform (X bills pay-per-use plans per resource read)."}, []string{"account"}),
		readsSeen: map[string]readsMark{},
	}
	for _, c := range []prometheus.Collector{m.polls, m.pollDuration, m.ingested, m.duplicates, m.externalReplies,
		m.quarantined, m.panics, m.deliveries, m.deliveryLatency, m.usageRatio, m.rateRemaining, m.reads} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, fmt.Errorf("scheduler metrics already registered (one Scheduler per registry): %w", err)
			}
			return nil, fmt.Errorf("register scheduler metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) setUsage(account string, u connectors.Usage) {
	m.usageRatio.WithLabelValues(account).Set(u.Percent / 100)
	if u.RateLimit > 0 {
		m.rateRemaining.WithLabelValues(account).Set(float64(u.RateRemaining))
	} else {
		// No window reported: 0 would read as "exhausted".
		m.rateRemaining.DeleteLabelValues(account)
	}
	// The platform's figure is per UTC day; the counter adds what is new.
	m.mu.Lock()
	last := m.readsSeen[account]
	delta := u.ReadsToday
	if u.ReadsDay == last.day && u.ReadsToday >= last.n {
		delta = u.ReadsToday - last.n
	}
	m.readsSeen[account] = readsMark{day: u.ReadsDay, n: u.ReadsToday}
	m.mu.Unlock()
	m.reads.WithLabelValues(account).Add(float64(delta))
}

// pollOutcomes and deliveryOutcomes are pre-initialised per account, so an
// alert on a rate sees 0 before the first failure.
var (
	pollOutcomes     = []string{"ok", "cancelled"}
	deliveryOutcomes = []string{deliverySent, deliveryRetry, deliveryUnknown, deliveryFailed, deliveryAccountStopped,
		deliveryVerifiedSent, deliveryVerifiedAbsent, deliveryNeedsDecision}
)

// account creates an account's label sets at 0.
func (m *metrics) account(name string) {
	for _, o := range pollOutcomes {
		m.polls.WithLabelValues(name, o)
	}
	for _, o := range deliveryOutcomes {
		m.deliveries.WithLabelValues(name, o)
	}
	m.ingested.WithLabelValues(name)
	m.duplicates.WithLabelValues(name)
	m.externalReplies.WithLabelValues(name)
	m.reads.WithLabelValues(name)
}

// forget drops a removed account's gauges so dashboards stop showing it.
func (m *metrics) forget(account string) {
	l := prometheus.Labels{"account": account}
	m.usageRatio.DeletePartialMatch(l)
	m.rateRemaining.DeletePartialMatch(l)
	m.reads.DeletePartialMatch(l)
	m.mu.Lock()
	delete(m.readsSeen, account)
	m.mu.Unlock()
}
