package inbox

import (
	"fmt"
	"regexp"
)

// BootstrapTokenName is the name the bootstrap admin token
// (http.bootstrap_admin_token) acts under; no stored token may take it.
const BootstrapTokenName = "bootstrap"

// MaxTokenNameLen bounds a token's name.
const MaxTokenNameLen = 64

// TokenNamePattern is the rule for token names (also in the OpenAPI
// document): letters, digits, dot, dash, underscore; not starting with a
// dot or dash; 1-64 characters.
const TokenNamePattern = `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`

var tokenNameRE = regexp.MustCompile(TokenNamePattern)

// CheckTokenName says why name cannot name an API token (nil when it
// can). The CLI and the API both create tokens through this one rule.
func CheckTokenName(name string) error {
	switch {
	case !tokenNameRE.MatchString(name):
		return fmt.Errorf("must be 1-%d letters, digits, dot, dash or underscore, starting with a letter or digit", MaxTokenNameLen)
	case name == BootstrapTokenName:
		return fmt.Errorf("%q is reserved for the bootstrap admin token", BootstrapTokenName)
	}
	return nil
}
