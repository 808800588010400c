package zoho

import (
	"context"
	"runtime"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// BenchmarkBulkTailHeld reads 20,000 leads, 18,000 of them through the
// Bulk Read tail with lookups named through COQL, and reports the heap
// still held when the last record is passed on, per tail record
// (held-B/rec): what naming the tail keeps in memory, beyond what the
// consumer keeps (nothing here).
func BenchmarkBulkTailHeld(b *testing.B) {
	const n, chain = 20_000, 2_000
	srv, err := zohotest.NewServer(zohotest.Options{NoListener: true, Seed: 5, ChainLimit: chain,
		Records: map[string]int{"Leads": n, "Accounts": 200, "Contacts": 200, "Deals": 200}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	cr := srv.Credentials()
	fields := []string{"Tag", "Last_Name", "Company", "Email", "Lead_Status", "Annual_Revenue", "Owner", "Converted_Account", "Created_Time"}
	var held float64
	for b.Loop() {
		c, err := NewClient(WithCredentials(Credentials{ClientID: cr.ClientID, ClientSecret: cr.ClientSecret, RefreshToken: cr.RefreshToken}),
			WithHTTPClient(srv.HTTPClient()), WithAccountsURL(srv.AccountsURL()), WithClock(srv.Now), WithBulkReadAbove(chain),
			WithSleep(func(ctx context.Context, d time.Duration) error { srv.Advance(d); return ctx.Err() }))
		if err != nil {
			b.Fatal(err)
		}
		var base, end runtime.MemStats
		read := 0
		for _, err := range c.Records(context.Background(), "Leads", zsync.ReadOptions{Fields: fields}) {
			if err != nil {
				b.Fatal(err)
			}
			if read++; read == chain {
				runtime.GC()
				runtime.ReadMemStats(&base)
			}
			if read == n {
				runtime.GC()
				runtime.ReadMemStats(&end)
			}
		}
		if read != n {
			b.Fatalf("read %d of %d", read, n)
		}
		held = (float64(end.HeapAlloc) - float64(base.HeapAlloc)) / (n - chain)
		srv.Advance(time.Hour) // a fresh minute for the downloads
	}
	b.ReportMetric(held, "held-B/rec")
}
