package scrub

import (
	"context"
	"fmt"
	"log/slog"
)

// Handler returns a slog.Handler that passes every record through s before
// next sees it: the message and every attribute (errors and values that
// print themselves included) are cleaned; error values are also bounded.
// Wrapping the root logger's handler with it covers every package's logs.
func (s *Scrubber) Handler(next slog.Handler) slog.Handler {
	return &handler{s: s, next: next}
}

type handler struct {
	s    *Scrubber
	next slog.Handler
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.s.Clean(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &handler{s: h.s, next: h.next.WithAttrs(clean)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{s: h.s, next: h.next.WithGroup(name)}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.s.Clean(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.s.Error(x))
		case []string:
			clean := make([]string, len(x))
			for i, e := range x {
				clean[i] = h.s.Clean(e)
			}
			return slog.Any(a.Key, clean)
		case []byte:
			return slog.String(a.Key, h.s.Clean(string(x)))
		}
		// Other values (slices of ids, maps of counts) print through fmt
		// in the handler; one holding a secret is caught here too.
		if text := fmt.Sprint(v.Any()); h.s.Clean(text) != text {
			return slog.String(a.Key, h.s.Clean(text))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
