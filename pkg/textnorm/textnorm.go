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

	"golang.org/x/text/unicode/norm"
)

// Normalize returns text normalised as the package comment describes.
func Normalize(text string) string {
	return strings.Join(Words(text), " ")
}

// Words returns the normalised words of text, in order.
func Words(text string) []string {
	s := strings.ToLower(norm.NFKC.String(text))
	rs := []rune(s)
	words := make([]string, 0, len(rs)/5+1)
	var cur []rune
	flush := func() {
		if len(cur) == 0 {
			return
		}
		words = appendWord(words, collapseRuns(cur))
		cur = cur[:0]
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '2' && isReduplication(cur, rs, i):
			// "gorong2" is "gorong gorong": the word again.
			base := collapseRuns(cur)
			words = appendWord(words, base)
			words = appendWord(words, base)
			cur = cur[:0]
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return words
}

// isReduplication reports whether the '2' at rs[i] repeats the word in cur:
// cur is letters only, with a vowel or a known abbreviation ("jln2"), so
// "rt2", an address, stays; and the 2 is not part of a number ("covid19").
func isReduplication(cur, rs []rune, i int) bool {
	if len(cur) < 2 {
		return false
	}
	vowel := false
	for _, r := range cur {
		if !unicode.IsLetter(r) {
			return false
		}
		if strings.ContainsRune("aiueo", r) {
			vowel = true
		}
	}
	if _, abbr := abbreviations[string(cur)]; !vowel && !abbr {
		return false
	}
	if i+1 < len(rs) && unicode.IsDigit(rs[i+1]) {
		return false
	}
	return true
}

// collapseRuns turns a run of three or more of the same letter into one.
func collapseRuns(w []rune) string {
	var b strings.Builder
	b.Grow(len(w))
	for i := 0; i < len(w); {
		j := i + 1
		for j < len(w) && w[j] == w[i] {
			j++
		}
		n := j - i
		if n >= 3 && unicode.IsLetter(w[i]) {
			n = 1
		}
		for k := 0; k < n; k++ {
			b.WriteRune(w[i])
		}
		i = j
	}
	return b.String()
}

// appendWord appends w, expanded when it is a known abbreviation.
func appendWord(words []string, w string) []string {
	if exp, ok := abbreviations[w]; ok {
		return append(words, exp...)
	}
	return append(words, w)
}
