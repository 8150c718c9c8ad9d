package facebook

import (
	"fmt"
	"testing"
	"time"

	"github.com/inboxd/inboxd/pkg/sim/graphapi"
)

// BenchmarkPollQuiet measures a poll that finds nothing new (3 requests
// against the in-process fake): the steady-state cost per account.
func BenchmarkPollQuiet(b *testing.B) {
	e := newEnv(b, nil, func(o *graphapi.Options) { o.NoLimits = true })
	post := e.fake.AddPost(graphapi.Actor{}, "p", t0.Add(-time.Hour))
	for i := range 50 {
		_, _ = e.fake.AddComment(post, "", alice, fmt.Sprint(i), t0.Add(-time.Duration(i)*time.Minute))
	}
	p, err := e.conn.Poll(b.Context(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.conn.Poll(b.Context(), p.Cursor); err != nil {
			b.Fatal(err)
		}
	}
}
