package inbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// numStatuses is len(Statuses), as a constant for StatusCounts' length
// (TestStatusCountsCoverEveryStatus holds the two together).
const numStatuses = 5

// StatusCounts is a count per status, at each status's place in Statuses.
// Its JSON is the object a map[Status]int64 of the non-zero counts encodes
// to (names sorted), so an answer can carry one per unit without a map
// per unit: Stats builds a few dozen on every dashboard refresh.
type StatusCounts [numStatuses]int64

// statusIndex is s's place in Statuses.
func statusIndex(s Status) (int, bool) {
	i := slices.Index(Statuses, s)
	return i, i >= 0
}

// Get returns s's count (0 for a status that does not exist).
func (c StatusCounts) Get(s Status) int64 {
	if i, ok := statusIndex(s); ok {
		return c[i]
	}
	return 0
}

// Add adds n to s's count; it reports false for a status that does not
// exist.
func (c *StatusCounts) Add(s Status, n int64) bool {
	i, ok := statusIndex(s)
	if ok {
		c[i] += n
	}
	return ok
}

// Map returns the non-zero counts as a map.
func (c StatusCounts) Map() map[Status]int64 {
	m := map[Status]int64{}
	for i, n := range c {
		if n != 0 {
			m[Statuses[i]] = n
		}
	}
	return m
}

// statusesByName are the places in Statuses in the order of their names,
// the order encoding/json writes a map's keys in.
var statusesByName = func() []int {
	order := make([]int, len(Statuses))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(Statuses[a], Statuses[b]) })
	return order
}()

// MarshalJSON writes the non-zero counts as an object keyed by status.
func (c StatusCounts) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 16*numStatuses)
	b = append(b, '{')
	for _, i := range statusesByName {
		if c[i] == 0 {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, Statuses[i]...)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, c[i], 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an object of counts keyed by status; an unknown
// status is an error.
func (c *StatusCounts) UnmarshalJSON(b []byte) error {
	var m map[Status]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*c = StatusCounts{}
	for s, n := range m {
		if !c.Add(s, n) {
			return fmt.Errorf("status counts: unknown status %q", s)
		}
	}
	return nil
}
