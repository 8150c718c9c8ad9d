package twittertext

import (
	"strings"
	"unicode"
)

// URLs finds URLs the way twitter-text v3's extractUrlsWithIndices does
// (with URLs without protocol, its default), returning rune spans. It is a
// hand port of that function and of its regular expression extractUrl:
//
//	(validUrlPrecedingChars)((https?://)?(validDomain)(?::(\d+))?(/validUrlPath*)?(\?validUrlQueryChars*validUrlQueryEndingChars)?)
//
// from twitter-text 3.1.0 (dist/extractUrlsWithIndices.js and
// dist/regexp/*.js, npm package twitter-text; sources in
// github.com/twitter/twitter-text, js/src/regexp). The regular expression
// needs look-ahead and backtracking that Go's RE2 lacks, so each part is a
// small scanner that keeps the regexp's order of preference. The TLD lists
// are generated from the same package (xtables_gen.go).
func URLs(text []rune) [][2]int {
	if !containsRune(text, '.') {
		return nil
	}
	var out [][2]int
	for i := 0; i < len(text); {
		m, ok := matchURLAt(text, i)
		if !ok {
			i++
			continue
		}
		out = append(out, m.entities(text)...)
		i = m.end
	}
	return out
}

// urlMatch is one match of extractUrl: the URL is text[start:end].
type urlMatch struct {
	before                []rune // the preceding character consumed ($2), empty at ^
	start, end            int
	protocol              bool
	domainStart, domainTo int
	hasPath               bool
}

// matchURLAt tries extractUrl at position i: first with text[i] as the
// preceding character, then (at the start of the text) with ^.
func matchURLAt(text []rune, i int) (urlMatch, bool) {
	if i < len(text) && validURLPreceding(text[i]) {
		if m, ok := matchURLBody(text, i+1); ok {
			m.before = text[i : i+1]
			return m, true
		}
	}
	if i == 0 {
		return matchURLBody(text, 0)
	}
	return urlMatch{}, false
}

func matchURLBody(text []rune, p int) (urlMatch, bool) {
	// (https?://)? is greedy: with the protocol first, then without.
	if q, ok := protocolAt(text, p); ok {
		if m, ok := matchURLRest(text, p, q); ok {
			m.protocol = true
			return m, true
		}
	}
	return matchURLRest(text, p, p)
}

func matchURLRest(text []rune, start, p int) (urlMatch, bool) {
	end, ok := domainAt(text, p, isDomainRune, true)
	if !ok {
		return urlMatch{}, false
	}
	m := urlMatch{start: start, domainStart: p, domainTo: end}
	q := end
	if q+1 < len(text) && text[q] == ':' && isDigit(text[q+1]) {
		q += 2
		for q < len(text) && isDigit(text[q]) {
			q++
		}
	}
	if q < len(text) && text[q] == '/' {
		q = pathEnd(text, q+1)
		m.hasPath = true
	}
	if q < len(text) && text[q] == '?' {
		q = queryEnd(text, q+1, q)
	}
	m.end = q
	return m, true
}

// entities applies extractUrlsWithIndices' checks to one match.
func (m urlMatch) entities(text []rune) [][2]int {
	if !validIDN(text[m.domainStart:m.domainTo]) {
		return nil
	}
	if m.protocol {
		url := text[m.start:m.end]
		if end, ok := tcoEnd(url); ok {
			if end < 0 {
				return nil // a t.co slug longer than 40 characters
			}
			return [][2]int{{m.start, m.start + end}}
		}
		return [][2]int{{m.start, m.end}}
	}
	if len(m.before) == 1 && strings.ContainsRune("-_./", m.before[0]) {
		return nil
	}
	// Only the ASCII domains inside the domain count without a protocol;
	// the last one takes the path and query.
	var out [][2]int
	for p := m.domainStart; p < m.domainTo; {
		s, e, ok := nextASCIIDomain(text[:m.domainTo], p)
		if !ok {
			break
		}
		out = append(out, [2]int{s, e})
		p = e
	}
	if len(out) > 0 && m.hasPath {
		out[len(out)-1][1] += m.end - m.domainTo
	}
	return out
}

// nextASCIIDomain finds the leftmost match of validAsciiDomain,
// (?:[\-a-z0-9À-ɏ…]+\.)+(?:gTLD|ccTLD|punycode), in text from p on.
func nextASCIIDomain(text []rune, p int) (int, int, bool) {
	for s := p; s < len(text); s++ {
		if end, ok := domainAt(text, s, isASCIIDomainRune, false); ok {
			return s, end, true
		}
	}
	return 0, 0, false
}

// domainAt matches a domain starting exactly at p: labels followed by dots
// and then a TLD. strict applies validDomain's label rules (no leading or
// trailing hyphen or underscore; no underscore in the last label);
// otherwise validAsciiDomain's looser ones. The most labels win, as the
// greedy regexp tries them first.
func domainAt(text []rune, p int, labelRune func(rune) bool, strict bool) (int, bool) {
	var dots []int // position after each "label."
	q := p
	for {
		e := q
		for e < len(text) && (labelRune(text[e]) || strict && (text[e] == '-' || text[e] == '_')) {
			e++
		}
		if e == q || e >= len(text) || text[e] != '.' {
			break
		}
		if strict && !labelRune(text[q]) || strict && !labelRune(text[e-1]) {
			break
		}
		dots = append(dots, e+1)
		q = e + 1
	}
	for k := len(dots) - 1; k >= 0; k-- {
		if strict {
			// the last label before the TLD is validDomainName: no "_".
			from := p
			if k > 0 {
				from = dots[k-1]
			}
			if containsRune(text[from:dots[k]], '_') {
				continue
			}
		}
		if end, ok := tldAt(text, dots[k]); ok {
			return end, true
		}
	}
	return 0, false
}

// tldAt matches (?:gTLD|ccTLD|xn--[\-0-9a-z]+) at p, each TLD followed by
// (?=[^0-9a-zA-Z@+-]|$), case-insensitively and in the lists' order.
func tldAt(text []rune, p int) (int, bool) {
	for _, list := range [][]string{genericTLDs, countryTLDs} {
		for _, tld := range list {
			end, ok := prefixFold(text, p, tld)
			if ok && (end == len(text) || !tldFollower(text[end])) {
				return end, true
			}
		}
	}
	if start, ok := prefixFold(text, p, "xn--"); ok {
		end := start
		for end < len(text) && (isASCIIAlnum(text[end]) || text[end] == '-') {
			end++
		}
		if end > start { // validPunycode: xn--[\-0-9a-z]+
			return end, true
		}
	}
	return 0, false
}

// prefixFold matches s at text[p:] ignoring ASCII case.
func prefixFold(text []rune, p int, s string) (int, bool) {
	q := p
	for _, r := range s {
		if q >= len(text) || unicode.ToLower(text[q]) != r {
			return 0, false
		}
		q++
	}
	return q, true
}

func tldFollower(r rune) bool { return isASCIIAlnum(r) || r == '@' || r == '+' || r == '-' }

// pathEnd matches validUrlPath* after the "/": path characters and balanced
// parentheses, backed off to the last character a path may end with.
func pathEnd(text []rune, p int) int {
	end := p // "/" alone is a path
	for q := p; q < len(text); {
		if isPathRune(text[q]) {
			if isPathEndRune(text[q]) {
				end = q + 1
			}
			q++
			continue
		}
		if text[q] == '(' {
			if e, ok := balancedParens(text, q); ok {
				q, end = e, e
				continue
			}
		}
		break
	}
	return end
}

// balancedParens matches \((?:G+|G*\(G+\)G*)\) at p (one nested level).
func balancedParens(text []rune, p int) (int, bool) {
	q := p + 1
	run := func() int {
		s := q
		for q < len(text) && isPathRune(text[q]) {
			q++
		}
		return q - s
	}
	n := run()
	if q < len(text) && text[q] == ')' && n > 0 {
		return q + 1, true
	}
	if q >= len(text) || text[q] != '(' {
		return 0, false
	}
	q++
	if run() == 0 || q >= len(text) || text[q] != ')' {
		return 0, false
	}
	q++
	run()
	if q < len(text) && text[q] == ')' {
		return q + 1, true
	}
	return 0, false
}

// queryEnd matches validUrlQueryChars*validUrlQueryEndingChars after "?";
// without an ending character there is no query and the URL ends at mark.
func queryEnd(text []rune, p, mark int) int {
	end := mark
	for q := p; q < len(text) && isQueryRune(text[q]); q++ {
		if isQueryEndRune(text[q]) {
			end = q + 1
		}
	}
	return end
}

// tcoEnd applies validTcoUrl, ^https?://t\.co/([a-z0-9]+)(?:\?query)?, to a
// URL with protocol: ok when it is a t.co URL; end is where it stops, or -1
// when its slug is too long to be real.
func tcoEnd(url []rune) (int, bool) {
	p, _ := protocolAt(url, 0)
	q, ok := prefixFold(url, p, "t.co/")
	if !ok {
		return 0, false
	}
	s := q
	for q < len(url) && isASCIIAlnum(url[q]) {
		q++
	}
	if q == s {
		return 0, false
	}
	if q-s > 40 {
		return -1, true
	}
	if q < len(url) && url[q] == '?' {
		q = queryEnd(url, q+1, q)
	}
	return q, true
}

func protocolAt(text []rune, p int) (int, bool) {
	q, ok := prefixFold(text, p, "http")
	if !ok {
		return 0, false
	}
	if q < len(text) && (text[q] == 's' || text[q] == 'S') {
		q++
	}
	return prefixFold(text, q, "://")
}

// validURLPreceding: [^A-Za-z0-9@＠$#＃<invalid>] or a directional marker.
func validURLPreceding(r rune) bool {
	if isDirectionalMarker(r) {
		return true
	}
	return !isASCIIAlnum(r) && !strings.ContainsRune("@＠$#＃", r) && !isXInvalid(r)
}

// isDomainRune is validDomainChars: anything but punctuation, spaces,
// invalid characters and directional markers.
func isDomainRune(r rune) bool {
	return !strings.ContainsRune("!'#%&()*+,\\-./:;<=>?@[]^_{|}~$", r) && !isXSpace(r) && !isXInvalid(r) && !isDirectionalMarker(r)
}

func isASCIIDomainRune(r rune) bool { return isASCIIAlnum(r) || r == '-' || isLatinAccent(r) }

func isPathRune(r rune) bool {
	return isASCIIAlnum(r) || isCyrillic(r) || isLatinAccent(r) || strings.ContainsRune("!*';:=+,.$/%#[]-\u2013_~@|&", r)
}

func isPathEndRune(r rune) bool {
	return isASCIIAlnum(r) || isCyrillic(r) || isLatinAccent(r) || strings.ContainsRune("+-=_#/", r)
}

func isQueryRune(r rune) bool {
	return isASCIIAlnum(r) || strings.ContainsRune("!?*'@();:&=+$/%#[]-_.,~|", r)
}

func isQueryEndRune(r rune) bool { return isASCIIAlnum(r) || strings.ContainsRune("-_&=#/", r) }

func isXSpace(r rune) bool {
	return r >= 0x09 && r <= 0x0d || r == 0x20 || r == 0x85 || r == 0xa0 || r == 0x1680 || r == 0x180e ||
		r >= 0x2000 && r <= 0x200a || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000
}

func isXInvalid(r rune) bool { return r == 0xfffe || r == 0xfeff || r == 0xffff }

func isDirectionalMarker(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x2066 && r <= 0x2069
}

func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xc0 && r <= 0xd6, r >= 0xd8 && r <= 0xf6, r >= 0xf8 && r <= 0x24f,
		r >= 0x300 && r <= 0x36f, r >= 0x1e00 && r <= 0x1eff:
		return true
	}
	return strings.ContainsRune("\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268\u026f\u0272\u0289\u028b\u02bb", r)
}

func isCyrillic(r rune) bool { return r >= 0x400 && r <= 0x4ff }

func isASCIIAlnum(r rune) bool { return r < 0x80 && (isDigit(r) || r|0x20 >= 'a' && r|0x20 <= 'z') }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func containsRune(text []rune, r rune) bool {
	for _, c := range text {
		if c == r {
			return true
		}
	}
	return false
}
