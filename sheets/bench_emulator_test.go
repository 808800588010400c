package sheets

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// BenchmarkUpsertEmulator100k runs the real sheets/v4 client against the
// sheetstest emulator (in-process transport, no quotas, no pacing):
// 100,000 records of 20 columns into an empty tab, then 1,000 changed
// records, then nothing changed. It reports per phase the write and read
// requests the emulator received, the cells written and the phase's time.
func BenchmarkUpsertEmulator100k(b *testing.B) {
	initial, changed := benchTable(100_000, 0, 0), benchTable(100_000, 100, 1)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		srv, err := sheetstest.NewServer(sheetstest.Options{NoListener: true, NoAuth: true, ReadQuota: -1, WriteQuota: -1})
		if err != nil {
			b.Fatal(err)
		}
		id := srv.CreateSpreadsheet("CRM", "Europe/Berlin")
		c, err := NewClient(ctx, WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})),
			WithEndpoint(srv.URL()), WithHTTPClient(srv.HTTPClient()), WithQuota(0, 0))
		if err != nil {
			b.Fatal(err)
		}
		s, err := c.Open(ctx, id, "")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, ph := range []struct {
			name string
			t    *zsync.Table
			want func(zsync.UpsertResult) bool
		}{
			{"initial", initial, func(r zsync.UpsertResult) bool { return r.Added == 100_000 }},
			{"update", changed, func(r zsync.UpsertResult) bool { return r.Updated == 1000 && r.Unchanged == 99_000 }},
			{"unchanged", changed, func(r zsync.UpsertResult) bool { return r.Unchanged == 100_000 && r.Requests == 0 }},
		} {
			before := srv.Stats()
			start := time.Now()
			r, err := s.Upsert(ctx, ph.t, zsync.UpsertOptions{})
			took := time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			if !ph.want(r) {
				b.Fatalf("%s: %+v", ph.name, r)
			}
			after := srv.Stats()
			b.ReportMetric(float64(after.Writes-before.Writes), ph.name+"-writes")
			// The emulator counts formats set (repeatCell on date cells)
			// as cells written too; the client counts values only.
			b.ReportMetric(float64(r.CellsWritten), ph.name+"-cells")
			b.ReportMetric(float64(after.CellsWritten-before.CellsWritten), ph.name+"-cells-emulator")
			b.ReportMetric(took.Seconds(), ph.name+"-s")
			b.ReportMetric(float64(after.Reads-before.Reads), ph.name+"-reads")
			if ph.name == "initial" {
				b.ReportMetric(float64(after.LargestRequest), "max-request-bytes")
			}
		}
		b.StopTimer()
		srv.Stop()
		b.StartTimer()
	}
}
