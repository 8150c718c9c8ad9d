package metagraph

import (
	"testing"
	"time"
)

func TestReplyWindowEnds(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if got := ReplyWindowEnds(at, false); got == nil || !got.Equal(at.Add(24*time.Hour)) {
		t.Errorf("standard window ends %v, want 24 h after", got)
	}
	if got := ReplyWindowEnds(at, true); got == nil || !got.Equal(at.Add(7*24*time.Hour)) {
		t.Errorf("human agent window ends %v, want 7 days after", got)
	}
	if got := ReplyWindowEnds(time.Time{}, true); got != nil {
		t.Errorf("an unknown time got a window ending %v", got)
	}
}
