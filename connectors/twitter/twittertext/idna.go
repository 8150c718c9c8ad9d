package twittertext

import "strings"

// validIDN is twitter-text's isValidUrl check of a domain (dist/lib/idna.js,
// toAscii): every label, punycode-encoded as node's punycode.toASCII does,
// is 1 to 63 characters, and a domain written in punycode ("xn--...")
// contains an ASCII domain.
func validIDN(domain []rune) bool {
	if strings.HasPrefix(string(domain), "xn--") {
		if _, _, ok := nextASCIIDomain(domain, 0); !ok {
			return false
		}
	}
	for _, label := range strings.Split(string(domain), ".") {
		if n := punycodeLen([]rune(label)); n < 1 || n > 63 {
			return false
		}
	}
	return true
}

// punycodeLen is the length of the label as punycode.toASCII writes it:
// unchanged when ASCII, otherwise "xn--" and its RFC 3492 encoding.
func punycodeLen(label []rune) int {
	basic := 0
	for _, r := range label {
		if r < 0x80 {
			basic++
		}
	}
	if basic == len(label) {
		return len(label)
	}
	return len("xn--") + len(punycodeEncode(label, basic))
}

// punycodeEncode is RFC 3492's encoder (section 6.3).
func punycodeEncode(input []rune, basic int) string {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	var out []byte
	for _, r := range input {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	if basic > 0 {
		out = append(out, '-')
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	adapt := func(delta, points int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / points
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	n, delta, bias, h := initialN, 0, initialBias, basic
	for h < len(input) {
		m := int(^uint32(0) >> 1)
		for _, r := range input {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range input {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == basic)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out)
}
