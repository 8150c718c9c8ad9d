package storebench

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/sim/workload"
)

func smallRun(t *testing.T, c workload.Case, wrap func(Target) Target) (Result, error) {
	t.Helper()
	w, err := workload.New(c, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	in, err := OpenInboxd(filepath.Join(t.TempDir(), "inboxd.db"))
	if err != nil {
		t.Fatal(err)
	}
	var target Target = in
	if wrap != nil {
		target = wrap(in)
	}
	res, err := Run(context.Background(), "inboxd", target, w, 1, Options{Reingest: 5, Lists: 40, StatsCalls: 5})
	if err != nil {
		in.Close()
	}
	return res, err
}

func TestInboxdAnswersLikeTheModel(t *testing.T) {
	for _, c := range workload.Cases {
		t.Run(string(c), func(t *testing.T) {
			res, err := smallRun(t, c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Items != 1000 || res.CheckedAnswers != 40+5+1 || res.FillRate <= 0 || res.BytesPerItem <= 0 {
				t.Fatalf("%+v", res)
			}
		})
	}
}

// lossy forgets to triage one item: the model must catch it.
type lossy struct{ *Inboxd }

func (l lossy) Settle() error {
	if len(l.pending) > 0 {
		l.pending[0].Change.Status = statusPtr(inbox.StatusClosed)
	}
	return l.Inboxd.Settle()
}

func TestWrongAnswerFailsTheRun(t *testing.T) {
	_, err := smallRun(t, workload.Realistic, func(t Target) Target { return lossy{t.(*Inboxd)} })
	if err == nil || !strings.Contains(err.Error(), "the model has") {
		t.Fatalf("err = %v, want a mismatch with the model", err)
	}
}

func TestTable(t *testing.T) {
	var b strings.Builder
	PrintTable(&b, [][]Result{{{Store: "inboxd", FillRate: 300}, {Store: "sqlite", FillRate: 200}}})
	out := b.String()
	if !strings.Contains(out, "inboxd/sqlite #1") || !strings.Contains(strings.Join(strings.Fields(out), " "), "| durable ingest items/s | 300 | 200 | 1.50 |") || !strings.Contains(out, "1.50") {
		t.Fatal(out)
	}
}
