// Package holidays ships the holiday files that config.example.yaml names
// (calendar.holidays_file: holidays/id-2026.yaml), embedded in the binary.
// A config copied away from the repository (or a container image holding
// only the binary and its config) still finds them: pkg/config falls back to
// these copies when the file is not beside the config, and says so.
package holidays

import "embed"

// Files holds every shipped holidays file, by name (e.g. "id-2026.yaml").
//
//go:embed *.yaml
var Files embed.FS

// Dir is the folder, relative to a config file, under which a holidays_file
// may name a shipped file.
const Dir = "holidays"
