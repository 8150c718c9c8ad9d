//go:build !unix

package store

import "errors"

// diskFree is not measured here; the backup's space check is skipped.
func diskFree(string) (uint64, error) { return 0, errors.ErrUnsupported }
