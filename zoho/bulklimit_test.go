package zoho_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/zoho"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// Zoho allows 10 result downloads a minute (then 429): an export of more
// jobs than that waits the minute out instead of giving up after the
// usual retries, which last well under a minute.
func TestBulkDownloadsWaitOutTheMinute(t *testing.T) {
	srv, err := zohotest.NewServer(zohotest.Options{Seed: 4, Records: map[string]int{"Deals": 450}, BulkPageSize: 25})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	e := &env{srv: srv, logs: &syncBuffer{}, sleeps: new(int), mu: &sync.Mutex{}}
	c := e.client(t, zoho.WithSleep(func(ctx context.Context, d time.Duration) error {
		srv.Advance(d) // waiting moves the emulator's clock, so its minute passes
		return ctx.Err()
	}))
	var got []string
	for r, err := range c.BulkRecords(context.Background(), zoho.BulkQuery{Module: "Deals", Fields: []string{"Deal_Name"}}) {
		if err != nil {
			t.Fatalf("after %d records: %v", len(got), err)
		}
		got = append(got, r.ID)
	}
	slices.Sort(got)
	if want := srv.IDs("Deals"); !slices.Equal(got, want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	if st := srv.Stats(); st.Statuses[429] == 0 || st.BulkDownloads != 18 {
		t.Fatalf("%d downloads, %d answered 429: the limit was not reached", st.BulkDownloads, st.Statuses[429])
	}
}
