package twittertext

import "testing"

// RFC 3492 section 7.1's samples, and what node's punycode gives.
func TestPunycodeEncode(t *testing.T) {
	for in, want := range map[string]string{
		"bücher":            "bcher-kva",
		"münchen":           "mnchen-3ya",
		"例子":                "fsqu00a",
		"ليهمابتكلموشعربي؟": "egbpdaj6bu4bxfgehfvwxn",
	} {
		r := []rune(in)
		basic := 0
		for _, c := range r {
			if c < 0x80 {
				basic++
			}
		}
		if got := punycodeEncode(r, basic); got != want {
			t.Errorf("punycode(%q) = %q, want %q", in, got, want)
		}
	}
}
