package api

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// failingDisk is the real store whose disk reports full.
type failingDisk struct {
	Store
	full   atomic.Bool
	probes atomic.Int32
}

func (f *failingDisk) CheckWritable() error {
	f.probes.Add(1)
	if f.full.Load() {
		return errors.New("write probe: no space left on device")
	}
	return f.Store.CheckWritable()
}

// Before issue 10 /readyz said ready while the disk was full.
func TestReadyzReportsAStoreThatCannotWrite(t *testing.T) {
	c := &clock{t: testNow}
	disk := &failingDisk{}
	e := newEnv(t, func(o *Options) {
		disk.Store = o.Store
		o.Store = disk
		o.Now = c.now
	})
	if rec := e.do(asNone, "GET", "/readyz", nil); rec.Code != 200 {
		t.Fatalf("healthy: %d %s", rec.Code, rec.Body)
	}
	disk.full.Store(true)
	// Within the probe interval the last result stands: one probe.
	if rec := e.do(asNone, "GET", "/readyz", nil); rec.Code != 200 || disk.probes.Load() != 1 {
		t.Fatalf("within the interval: %d, %d probes", rec.Code, disk.probes.Load())
	}
	c.advance(readyProbeEvery)
	rec := e.do(asNone, "GET", "/readyz", nil)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "no space left on device") {
		t.Fatalf("full disk: %d %s", rec.Code, rec.Body)
	}
	disk.full.Store(false)
	c.advance(time.Second)
	if rec := e.do(asNone, "GET", "/readyz", nil); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("the last result holds for the interval: %d", rec.Code)
	}
	c.advance(readyProbeEvery)
	if rec := e.do(asNone, "GET", "/readyz", nil); rec.Code != 200 {
		t.Fatalf("recovered: %d %s", rec.Code, rec.Body)
	}
}
