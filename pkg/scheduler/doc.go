// Package scheduler runs inboxd's pipeline around the store: one cron job per
// account polls its connector and commits each page with store.Ingest, a
// per-account state machine (persisted in the store) turns the connectors'
// error classes into pauses, and the outbox worker delivers queued replies
// through the same connectors without ever posting one twice.
//
// # Account states
//
//	idle          polls on its schedule
//	polling       a poll is running (a crash leaves it; Start reads it as idle)
//	backoff       transient (or permission/not_found/permanent) poll failure:
//	              no polls until paused_until, exponential with jitter,
//	              capped at Options.BackoffMax; sends continue
//	rate_limited  the platform asked to wait: no polls until its reset time
//	usage_capped  the plan's quota is spent: no polls and no sends until
//	              Resume or the first day of the next month (UTC)
//	needs_reauth  the token was refused: no polls and no sends until Resume
//	              or a new connector (SetAccounts); other accounts go on
//	disabled      switched off in the config
//
// A connector reporting usage above Options.UsageStretchAbove percent
// (Facebook's X-App-Usage) has its polls stretched: only every k-th cron run
// polls, k growing with the usage.
//
// # Delivery
//
// Per account one reply at a time, in the store's order (ClaimNext marks it
// sending before the platform call); accounts in parallel, bounded by
// Options.MaxParallelSends. A send that may have reached the platform is
// marked unknown and resolved with the connector's Verifier: found → sent,
// absent once the platform had Options.VerifyGrace to show it → queued
// again, no Verifier → left unknown for an operator.
package scheduler
