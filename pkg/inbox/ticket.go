package inbox

import "fmt"

// DefaultTicketPrefix starts ticket numbers unless ticket_prefix says
// otherwise.
const DefaultTicketPrefix = "UP4"

// MaxExternalRefLen bounds an item's external_ref (e.g. a SP4N-LAPOR!
// tracking id).
const MaxExternalRefLen = 100

// FormatTicket is the human-readable ticket of the nth case of a year,
// e.g. UP4-2026-000123; citizens quote it when they write again.
func FormatTicket(prefix string, year int, n uint64) string {
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, n)
}
