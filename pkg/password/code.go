package password

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"
)

// CodeTTL is how long a set-password link works.
const CodeTTL = 24 * time.Hour

// SetPasswordPath is the page a set-password link opens; the code travels
// in its query (the web console serves the page).
const SetPasswordPath = "/set-password"

// NewCode returns a one-time set-password code (32 random bytes) and the
// SHA-256 under which it is stored: the code itself is shown once, never
// stored.
func NewCode() (code string, hash []byte, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("password: random code: %w", err)
	}
	code = base64.RawURLEncoding.EncodeToString(raw[:])
	return code, HashCode(code), nil
}

// HashCode is the SHA-256 under which a code (or session id) is stored.
func HashCode(code string) []byte {
	sum := sha256.Sum256([]byte(code))
	return sum[:]
}

// Link is the set-password link for code on publicURL (no trailing
// slash); with publicURL empty, the path and code alone.
func Link(publicURL, code string) string {
	return publicURL + SetPasswordPath + "?code=" + url.QueryEscape(code)
}
