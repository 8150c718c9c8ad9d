package password

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

// Length bounds of a password, in characters (runes). MaxLen keeps one
// request from feeding argon2 an arbitrarily large input.
const (
	MinLen = 12
	MaxLen = 256
)

// PolicyError says why a password is refused, in words an officer can act on.
type PolicyError struct{ Reason string }

func (e *PolicyError) Error() string { return "password " + e.Reason }

//go:embed common.txt
var commonList string

// common is the shipped list of passwords people pick most, lower-cased.
// Only entries of MinLen characters or more matter (shorter ones fail the
// length rule first), but the whole list is kept for clarity.
var common = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// Check applies the password rules for the user username: at least MinLen
// characters, not the username, not a common password. The error is a
// *PolicyError.
func Check(username, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return &PolicyError{Reason: "is not valid UTF-8 text"}
	case n < MinLen:
		return &PolicyError{Reason: "is too short: use at least 12 characters (a few words make a good one)"}
	case n > MaxLen:
		return &PolicyError{Reason: "is too long: use at most 256 characters"}
	case username != "" && strings.EqualFold(strings.TrimSpace(pw), strings.TrimSpace(username)):
		return &PolicyError{Reason: "must not be the username"}
	case common[strings.ToLower(pw)]:
		return &PolicyError{Reason: "is one of the most common passwords; choose one that is not easy to guess"}
	}
	return nil
}
