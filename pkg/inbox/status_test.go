package inbox

import (
	"errors"
	"testing"
)

func TestTransitionsAllPairs(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusNew, StatusOpen}: true, {StatusNew, StatusAnswered}: true,
		{StatusNew, StatusClosed}: true, {StatusNew, StatusIgnored}: true,
		{StatusOpen, StatusAnswered}: true, {StatusOpen, StatusClosed}: true, {StatusOpen, StatusIgnored}: true,
		{StatusAnswered, StatusOpen}: true, {StatusAnswered, StatusClosed}: true,
		{StatusClosed, StatusOpen}:  true,
		{StatusIgnored, StatusOpen}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			want := allowed[[2]Status{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
			err := CheckTransition(from, to)
			if want && err != nil {
				t.Errorf("CheckTransition(%s, %s) = %v, want nil", from, to, err)
			}
			if !want {
				var te *TransitionError
				if !errors.As(err, &te) || te.From != from || te.To != to {
					t.Errorf("CheckTransition(%s, %s) = %v, want a TransitionError naming both", from, to, err)
				}
			}
		}
	}
}

func TestNothingMovesBackToNew(t *testing.T) {
	for _, from := range Statuses {
		if CanTransition(from, StatusNew) {
			t.Errorf("%s → new is allowed; new is only for unseen items", from)
		}
	}
}

func TestCheckTransitionUnknownStatus(t *testing.T) {
	err := CheckTransition(StatusNew, "done")
	var te *TransitionError
	if err == nil || errors.As(err, &te) {
		t.Fatalf("unknown target status: got %v, want a plain validation error", err)
	}
}

func TestWaiting(t *testing.T) {
	for _, s := range Statuses {
		want := s == StatusNew || s == StatusOpen
		if s.Waiting() != want {
			t.Errorf("%s.Waiting() = %v", s, s.Waiting())
		}
	}
}

func TestReplyMoves(t *testing.T) {
	cases := []struct {
		from, to ReplyState
		ok       bool
	}{
		{ReplyQueued, ReplySending, true},
		{ReplyQueued, ReplyCancelled, true},
		{ReplyQueued, ReplySent, false}, // must pass through sending
		{ReplySending, ReplySent, true},
		{ReplySending, ReplyUnknown, true},
		{ReplySending, ReplyFailed, true},
		{ReplySending, ReplyQueued, true}, // known not to have reached the platform
		{ReplySending, ReplyCancelled, false},
		{ReplyUnknown, ReplySent, true},   // verified on the platform
		{ReplyUnknown, ReplyQueued, true}, // verified absent, or operator retry
		{ReplyUnknown, ReplyCancelled, true},
		{ReplyFailed, ReplyQueued, true},
		{ReplyFailed, ReplyCancelled, false},
		{ReplySent, ReplyQueued, false},
		{ReplyCancelled, ReplyQueued, false},
	}
	for _, c := range cases {
		if got := CanMoveReply(c.from, c.to); got != c.ok {
			t.Errorf("CanMoveReply(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestRoleAllows(t *testing.T) {
	cases := []struct {
		have, need Role
		ok         bool
	}{
		{RoleViewer, RoleViewer, true}, {RoleViewer, RoleOperator, false}, {RoleViewer, RoleAdmin, false},
		{RoleOperator, RoleViewer, true}, {RoleOperator, RoleOperator, true}, {RoleOperator, RoleAdmin, false},
		{RoleAdmin, RoleViewer, true}, {RoleAdmin, RoleOperator, true}, {RoleAdmin, RoleAdmin, true},
		{"", RoleViewer, false}, {"root", RoleViewer, false}, {RoleAdmin, "", false},
	}
	for _, c := range cases {
		if got := c.have.Allows(c.need); got != c.ok {
			t.Errorf("%q.Allows(%q) = %v, want %v", c.have, c.need, got, c.ok)
		}
	}
}
