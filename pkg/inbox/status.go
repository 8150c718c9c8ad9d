package inbox

import "fmt"

// Status is where an item stands in the office's work.
type Status string

const (
	StatusNew      Status = "new"      // arrived, nobody looked at it yet
	StatusOpen     Status = "open"     // somebody is working on it
	StatusAnswered Status = "answered" // a reply was sent
	StatusClosed   Status = "closed"   // done, nothing more to do
	StatusIgnored  Status = "ignored"  // spam, noise, not for the office
)

// Statuses lists every status in workflow order.
var Statuses = []Status{StatusNew, StatusOpen, StatusAnswered, StatusClosed, StatusIgnored}

func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusOpen, StatusAnswered, StatusClosed, StatusIgnored:
		return true
	}
	return false
}

// Waiting reports whether an item in this status still waits for an answer.
func (s Status) Waiting() bool { return s == StatusNew || s == StatusOpen }

// transitions lists the moves an operator may make. Nothing moves back to
// "new": once a person has looked at an item, it is at least open. An item
// is "answered" by a sent reply, and an operator may also mark it so when it
// was answered another way (by phone, in person).
var transitions = map[Status][]Status{
	StatusNew:      {StatusOpen, StatusAnswered, StatusClosed, StatusIgnored},
	StatusOpen:     {StatusAnswered, StatusClosed, StatusIgnored},
	StatusAnswered: {StatusOpen, StatusClosed},
	StatusClosed:   {StatusOpen},
	StatusIgnored:  {StatusOpen},
}

// CanTransition reports whether an item may move from one status to another.
// Staying in the same status is not a transition.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// TransitionError is a refused status change; it names both states.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("status cannot change from %q to %q", e.From, e.To)
}

// CheckTransition returns a *TransitionError when the move is not allowed.
func CheckTransition(from, to Status) error {
	if !to.Valid() {
		return fmt.Errorf("unknown status %q", to)
	}
	if !CanTransition(from, to) {
		return &TransitionError{From: from, To: to}
	}
	return nil
}
