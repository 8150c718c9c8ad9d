package inbox

import "golang.org/x/text/unicode/norm"

// Weighting counts text the way twitter-text v3's parseTweet does: the text
// is NFC-normalised; every URL counts URLLength; every emoji sequence
// counts DefaultWeight; every other code point weighs what its range says,
// DefaultWeight outside all ranges. Weights are scaled integers (Scale
// units to a character) so fractional weights stay exact. A connector fills
// one in from its platform's published configuration and recognisers; the
// algorithm is the same for any.
type Weighting struct {
	Name          string // how the API names this counting, e.g. "x-weighted"
	Scale         int    // weights are multiples of 1/Scale
	DefaultWeight int    // scaled weight outside every range
	Ranges        []WeightRange
	URLLength     int // each URL counts this many characters (unscaled)
	// URLs and Emoji find spans of runes counted as a whole; nil finds none.
	URLs  func(text []rune) [][2]int
	Emoji func(text []rune) [][2]int
}

// WeightRange gives code points Start..End (inclusive) a scaled weight.
type WeightRange struct {
	Start, End rune
	Weight     int
}

// Count is the weighted length of s in whole characters.
func (w *Weighting) Count(s string) int {
	text := []rune(norm.NFC.String(s))
	urls, emoji := spanStarts(text, w.URLs), spanStarts(text, w.Emoji)
	total := 0
	for i := 0; i < len(text); i++ {
		if end, ok := urls[i]; ok { // a URL wins over an emoji starting with it
			total += w.URLLength * w.Scale
			i = end - 1
			continue
		}
		if end, ok := emoji[i]; ok {
			total += w.DefaultWeight
			i = end - 1
			continue
		}
		total += w.weight(text[i])
	}
	if w.Scale <= 1 {
		return total
	}
	return total / w.Scale
}

func spanStarts(text []rune, find func([]rune) [][2]int) map[int]int {
	if find == nil {
		return nil
	}
	spans := find(text)
	m := make(map[int]int, len(spans))
	for _, s := range spans {
		if s[1] > s[0] {
			m[s[0]] = s[1]
		}
	}
	return m
}

func (w *Weighting) weight(r rune) int {
	// twitter-text weighs a character outside the Basic Multilingual Plane
	// by its UTF-16 low surrogate, which no range covers: the default.
	if r > 0xffff {
		return w.DefaultWeight
	}
	for _, rg := range w.Ranges {
		if r >= rg.Start && r <= rg.End {
			return rg.Weight
		}
	}
	return w.DefaultWeight
}
