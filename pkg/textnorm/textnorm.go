// Package textnorm normalises citizens' Indonesian chat text so that rules
// (and the search index) match what people mean, not how they typed it:
//
//  1. Unicode NFKC and lower case ("ＪＡＬＡＮ" → "jalan");
//  2. reduplication written with a digit is expanded ("gorong2" → "gorong
//     gorong", the same as a typed "gorong-gorong" after step 3);
//  3. punctuation, symbols and emoji become spaces;
//  4. runs of three or more of the same letter collapse to one ("rusaaak"
//     → "rusak", "gaaak" → "gak"; "maaf", "ppdb", "tunggu" stay);
//  5. the chat abbreviations of abbrev.go are expanded word by word
//     ("yg" → "yang", "gak" → "tidak").
//
// The result is words of letters and digits separated by single spaces.
// It is pure (no I/O, no state) and safe for concurrent use. Changing what
// it does changes what rules match and what search finds: it is shared by
// both on purpose, and its tests pin it.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns text normalised as the package comment describes.
func Normalize(text string) string {
	return strings.Join(Words(text), " ")
}

// Words returns the normalised words of text, in order. Words are
// substrings of one lower-cased copy of text where possible, so a message
// costs a few allocations whatever its length.
func Words(text string) []string {
	s := norm.NFKC.String(text)
	s = strings.ToLower(s)
	words := make([]string, 0, len(s)/6+1)
	start := -1 // start of the current word in s, -1 between words
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '2' && start >= 0 && isReduplication(s[start:i], s[i+size:]):
			// "gorong2" is "gorong gorong": the word again.
			base := collapseRuns(s[start:i])
			words = appendWord(words, base)
			words = appendWord(words, base)
			start = -1
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 {
				words = appendWord(words, collapseRuns(s[start:i]))
				start = -1
			}
		}
		i += size
	}
	if start >= 0 {
		words = appendWord(words, collapseRuns(s[start:]))
	}
	return words
}

// isReduplication reports whether a '2' right after word repeats it (rest
// is the text after the 2): word is letters only, with a vowel or a known
// abbreviation ("jln2"), so "rt2", an address, stays; and the 2 is not part
// of a number ("covid19", "b2b").
func isReduplication(word, rest string) bool {
	if utf8.RuneCountInString(word) < 2 {
		return false
	}
	vowel := false
	for _, r := range word {
		if !unicode.IsLetter(r) {
			return false
		}
		if strings.ContainsRune("aiueo", r) {
			vowel = true
		}
	}
	if _, abbr := abbreviations[word]; !vowel && !abbr {
		return false
	}
	if next, _ := utf8.DecodeRuneInString(rest); unicode.IsDigit(next) {
		return false
	}
	return true
}

// collapseRuns turns a run of three or more of the same letter into one;
// a word without such a run comes back as it is (no copy).
func collapseRuns(w string) string {
	if !hasRun(w) {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	var prev rune = -1
	n := 0 // length of the current run
	flush := func() {
		if prev < 0 {
			return
		}
		if n >= 3 && unicode.IsLetter(prev) {
			n = 1
		}
		for range n {
			b.WriteRune(prev)
		}
	}
	for _, r := range w {
		if r == prev {
			n++
			continue
		}
		flush()
		prev, n = r, 1
	}
	flush()
	return b.String()
}

// hasRun reports whether w has three of the same letter in a row.
func hasRun(w string) bool {
	var a, b rune = -1, -2
	for _, r := range w {
		if r == a && r == b && unicode.IsLetter(r) {
			return true
		}
		a, b = b, r
	}
	return false
}

// appendWord appends w, expanded when it is a known abbreviation.
func appendWord(words []string, w string) []string {
	if exp, ok := abbreviations[w]; ok {
		return append(words, exp...)
	}
	return append(words, w)
}
