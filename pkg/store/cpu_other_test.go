//go:build !unix

package store

import "time"

// processCPU is unavailable here: CPU figures stay 0.
func processCPU() time.Duration { return 0 }
