package config

import (
	"fmt"
	"strings"
)

// expand replaces ${NAME} and ${NAME:-fallback} in s. $${ is a literal
// "${"; any other $ is kept as it is (tokens may contain one).
func expand(s string, getenv func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ (write $${ for a literal ${)")
			}
			ref := s[i+2 : i+2+end]
			name, fallback, hasFallback := strings.Cut(ref, ":-")
			if !validEnvName(name) {
				return "", fmt.Errorf("invalid environment variable name %q in ${%s}", name, ref)
			}
			v, ok := getenv(name)
			switch {
			case hasFallback && v == "":
				v = fallback
			case !ok:
				return "", &unsetEnvError{name: name}
			}
			b.WriteString(v)
			i += 2 + end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

// unsetEnvError is a ${NAME} whose variable is not set.
type unsetEnvError struct{ name string }

func (e *unsetEnvError) Error() string {
	return fmt.Sprintf("environment variable %s is not set (set it, or write ${%s:-} to make the value optional)", e.name, e.name)
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
