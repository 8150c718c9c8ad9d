package inbox

import (
	"encoding/json"
	"testing"
)

func TestStatusCountsCoverEveryStatus(t *testing.T) {
	if len(Statuses) != numStatuses {
		t.Fatalf("numStatuses is %d, Statuses has %d", numStatuses, len(Statuses))
	}
	var c StatusCounts
	for i, s := range Statuses {
		if !c.Add(s, int64(i+1)) || c.Get(s) != int64(i+1) {
			t.Fatalf("%s: add/get = %d", s, c.Get(s))
		}
	}
	if c.Add("pending", 1) || c.Get("pending") != 0 {
		t.Fatal("an unknown status was counted")
	}
}

// StatusCounts encodes exactly as the map of its non-zero counts, and
// reads back.
func TestStatusCountsJSONIsTheMaps(t *testing.T) {
	for _, c := range []StatusCounts{{}, {1}, {0, 0, 0, 0, 7}, {3, 0, -2, 1, 0}, {1, 2, 3, 4, 5}} {
		got, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(c.Map())
		if string(got) != string(want) {
			t.Errorf("%v: %s, the map encodes %s", c, got, want)
		}
		var back StatusCounts
		if err := json.Unmarshal(got, &back); err != nil || back != c {
			t.Errorf("%s read back as %v, %v", got, back, err)
		}
		inMap, _ := json.Marshal(map[string]StatusCounts{"dpupr": c})
		wantMap, _ := json.Marshal(map[string]map[Status]int64{"dpupr": c.Map()})
		if string(inMap) != string(wantMap) {
			t.Errorf("in a map: %s, want %s", inMap, wantMap)
		}
	}
	var c StatusCounts
	if err := json.Unmarshal([]byte(`{"pending":1}`), &c); err == nil {
		t.Fatal("an unknown status was read")
	}
}
