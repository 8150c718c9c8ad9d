//go:build !linux

package storebench

import "time"

// threadCPU is unavailable here: the CPU figures stay 0.
func threadCPU() (time.Duration, bool) { return 0, false }
