package config

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxOfficeNameLen bounds office_name (it heads a printed page).
const MaxOfficeNameLen = 120

// officeName reads office_name: one line of printable text.
func (d *decoder) officeName(n *yaml.Node, path string, dst *string) {
	if !d.str(n, path, dst) {
		return
	}
	*dst = strings.TrimSpace(*dst)
	switch {
	case utf8.RuneCountInString(*dst) > MaxOfficeNameLen:
		d.errorf(n, path, "is longer than %d characters; write the office's name as it heads a letter, e.g. \"UP4 Diskominfo Kabupaten Kendal\"", MaxOfficeNameLen)
	case strings.IndexFunc(*dst, unicode.IsControl) >= 0:
		d.errorf(n, path, "must be one line without control characters")
	default:
		return
	}
	*dst = ""
}
