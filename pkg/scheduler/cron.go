package scheduler

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// cronLogger adapts slog to cron's logger. cron.Recover reports a recovered
// panic as Error("panic", ...): that is counted too.
type cronLogger struct {
	log    *slog.Logger
	panics func()
}

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	if msg == "panic" {
		l.panics()
	}
	l.log.LogAttrs(context.Background(), slog.LevelError, "cron: "+msg,
		append([]slog.Attr{slog.Any("err", err)}, slog.Group("", kv...))...)
}

// jittered shifts a schedule by a fixed per-account offset, so accounts with
// the same spec do not all fire at the same second.
type jittered struct {
	cron.Schedule
	offset time.Duration
	// fired is set by the first activation of an @every schedule: that one
	// carries the whole offset, and the phase it sets then persists.
	fired *atomic.Bool
}

func newJittered(sched cron.Schedule, offset time.Duration) jittered {
	return jittered{Schedule: sched, offset: offset, fired: new(atomic.Bool)}
}

func (j jittered) Next(t time.Time) time.Time {
	if _, every := j.Schedule.(cron.ConstantDelaySchedule); every {
		// Next(t) is t+delay floored to the second, so a shift of whole
		// seconds would vanish: delay the first run, keep the sub-second part.
		if j.fired.CompareAndSwap(false, true) {
			return j.Schedule.Next(t).Add(j.offset)
		}
		frac := j.offset % time.Second
		return j.Schedule.Next(t.Add(-frac)).Add(frac)
	}
	next := j.Schedule.Next(t.Add(-j.offset))
	if next.IsZero() { // the spec never fires again
		return next
	}
	return next.Add(j.offset)
}

// parseSchedule accepts what config accepts: a standard five-field spec or a
// descriptor (@hourly, @every 1m), read in loc unless it names its own
// zone (CRON_TZ=...).
func parseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, err
	}
	explicit := strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")
	if ss, ok := sched.(*cron.SpecSchedule); ok && !explicit && loc != nil {
		ss.Location = loc
	}
	return sched, nil
}

// jitterFor picks an account's offset: at most MaxJitter and at most a tenth
// of the schedule's interval, so a 5 s schedule is not shifted by seconds.
func (s *Scheduler) jitterFor(sched cron.Schedule) time.Duration {
	now := s.now()
	n1 := sched.Next(now)
	n2 := sched.Next(n1)
	if n1.IsZero() || n2.IsZero() {
		return 0
	}
	limit := min(s.opts.MaxJitter, n2.Sub(n1)/10)
	return s.randDuration(limit)
}
