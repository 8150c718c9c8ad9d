package config

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Secret is a credential from the configuration (a token, an app secret).
// Every way of printing or encoding it — fmt verbs, slog, JSON, YAML, text —
// yields "[REDACTED]" (or "" when it is empty), so no secret reaches a log
// line by accident. Reveal returns the value for the one place that sends it.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret's value. Call it only where the value is sent
// to the platform, never to build a message.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String redacts the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts the value for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format redacts the value for every fmt verb (%s, %q, %x, %d, ...).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", s.String())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// LogValue redacts the value in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON redacts the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText redacts the value (encoders that prefer text).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML redacts the value.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

var (
	_ fmt.Stringer   = Secret("")
	_ fmt.GoStringer = Secret("")
	_ fmt.Formatter  = Secret("")
	_ slog.LogValuer = Secret("")
	_ json.Marshaler = Secret("")
)
