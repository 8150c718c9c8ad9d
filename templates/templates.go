// Package templates ships the reply templates file that config.example.yaml
// names (templates_file: templates/id.yaml), embedded in the binary, so a
// config copied away from the repository still finds it (pkg/config falls
// back to this copy when the file is not beside the config, and says so).
package templates

import "embed"

// Files holds every shipped templates file, by name (e.g. "id.yaml").
//
//go:embed *.yaml
var Files embed.FS

// Dir is the folder, relative to a config file, under which a
// templates_file may name a shipped file.
const Dir = "templates"
