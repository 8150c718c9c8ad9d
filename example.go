// Package inboxd holds what the repository's root ships to the program: the
// example configuration, embedded so `inboxd demo` runs the shipped units
// and routing rules exactly as config.example.yaml has them.
package inboxd

import _ "embed"

// ExampleConfig is config.example.yaml.
//
//go:embed config.example.yaml
var ExampleConfig []byte
