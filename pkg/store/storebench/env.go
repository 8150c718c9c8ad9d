package storebench

import (
	"fmt"
	"os"
	"strconv"

	"github.com/inboxd/inboxd/pkg/sim/workload"
)

// ItemsFromEnv is the number of items a benchmark fills: INBOXD_BENCH_ITEMS
// when set (at least one page), else def.
func ItemsFromEnv(def int) (int, error) {
	v := os.Getenv("INBOXD_BENCH_ITEMS")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < workload.PageSize {
		return 0, fmt.Errorf("INBOXD_BENCH_ITEMS=%q: want a number of items ≥ %d", v, workload.PageSize)
	}
	return n, nil
}
