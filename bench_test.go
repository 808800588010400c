package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// peakHeap samples the heap until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

// BenchmarkJob100k syncs 100,000 records (50,000 Leads, 50,000 Deals)
// through the whole job against both emulators over loopback HTTP: a full
// run into empty tabs, then an incremental run with 1% of the records
// changed. Run it with:
//
//	go test -run '^$' -bench Job100k -benchtime 1x .
func BenchmarkJob100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchJob(b, 50_000)
	}
}

func benchJob(b *testing.B, perModule int) {
	b.StopTimer()
	em, err := startEmulators(zohotest.Options{Seed: 3, Records: map[string]int{"Leads": perModule, "Deals": perModule}})
	if err != nil {
		b.Fatal(err)
	}
	defer em.Stop()
	dir := b.TempDir()
	path := filepath.Join(dir, "mapping.yaml")
	if err := os.WriteFile(path, demoMapping, 0o600); err != nil {
		b.Fatal(err)
	}
	e := withEnv(env{getenv: os.Getenv, stdout: io.Discard, stderr: io.Discard, now: time.Now}, em.env)
	cfg, err := config.Load(path, lookupEnv(e))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	w, err := wire(ctx, cfg, e, zerolog.Nop(), nil)
	if err != nil {
		b.Fatal(err)
	}
	run := func(name string) {
		z0, s0 := em.zoho.Stats().APICalls, w.sheet.Stats()
		runtime.GC()
		stop := peakHeap()
		start := time.Now()
		b.StartTimer()
		sum, err := w.job.Run(ctx, zsync.RunOptions{})
		b.StopTimer()
		wall := time.Since(start)
		peak := stop()
		if err != nil {
			b.Fatalf("%s run: %v", name, err)
		}
		s1 := w.sheet.Stats()
		read := 0
		for _, m := range sum.Modules {
			read += m.Read
		}
		b.ReportMetric(float64(read), name+"-records")
		b.ReportMetric(float64(em.zoho.Stats().APICalls-z0), name+"-zoho-calls")
		b.ReportMetric(float64(s1.ReadRequests+s1.WriteRequests-s0.ReadRequests-s0.WriteRequests), name+"-sheets-requests")
		b.ReportMetric(float64(s1.WriteRequests-s0.WriteRequests), name+"-sheets-writes")
		b.ReportMetric(float64(s1.CellsWritten-s0.CellsWritten), name+"-cells-written")
		b.ReportMetric(wall.Seconds(), name+"-wall-s")
		b.ReportMetric(float64(peak)/(1<<20), name+"-peak-heap-MB")
	}
	run("full")

	// 1% of the records change an hour later.
	em.zoho.Advance(time.Hour)
	change := map[string]map[string]any{"Leads": {"Lead_Status": "Contacted"}, "Deals": {"Stage": "Closed Won"}}
	for mod, fields := range change {
		ids := em.zoho.IDs(mod)
		for i := 0; i < len(ids); i += 100 {
			em.zoho.Update(mod, ids[i], fields)
		}
	}
	run("incr")
}
