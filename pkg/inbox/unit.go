package inbox

// Unit is a government office (OPD) that items are routed to. Code is what
// items, tokens and rules store; the rest is shown to people.
type Unit struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Short   string `json:"short,omitempty"`
	Contact string `json:"contact,omitempty"`
}

// MaxUnitCodeLen bounds a unit code (it is part of index keys).
const MaxUnitCodeLen = 64

// ValidUnitCode reports whether s is 1-64 characters of a-z, 0-9 and "-",
// not starting with "-" (a code is typed in URLs, filters and token scopes,
// where "-" alone means "no unit").
func ValidUnitCode(s string) bool {
	if s == "" || len(s) > MaxUnitCodeLen || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Limits of an item's tags (the store enforces them; rules are checked
// against them when the config loads).
const (
	MaxTags   = 20
	MaxTagLen = 50
)
