package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/sheets"
)

// changeCRM adds, updates and deletes a few leads and deals, so the next
// runs have rows to append and rows to remove: the writes two overlapping
// runs would both apply.
func changeCRM(em *emulators, rng *rand.Rand, n int) {
	z := em.zoho
	// Past Zoho's 10 access tokens per 10 minutes, past the overlap, and
	// past Google's per-minute quota window: the runs of one round share it.
	z.Advance(11 * time.Minute)
	em.sheets.Advance(time.Minute)
	for i := range 3 {
		z.Create("Leads", map[string]any{"First_Name": "Run", "Last_Name": fmt.Sprintf("%d-%d", n, i),
			"Full_Name": fmt.Sprintf("Run %d-%d", n, i), "Company": "Overlap Ltd", "Lead_Status": "Not Contacted"})
	}
	z.Create("Deals", map[string]any{"Deal_Name": fmt.Sprintf("Deal %d", n), "Stage": "Qualification", "Amount": 100 * n})
	ids := z.IDs("Leads")
	z.Update("Leads", ids[rng.IntN(len(ids))], map[string]any{"Lead_Status": fmt.Sprintf("Contacted %d", n)})
	for range 2 {
		if ids = z.IDs("Leads"); len(ids) > 5 {
			z.Delete("Leads", ids[rng.IntN(len(ids))])
		}
	}
	if ids = z.IDs("Deals"); len(ids) > 3 {
		z.Delete("Deals", ids[rng.IntN(len(ids))])
	}
}

// assertDealsMatchCRM checks the Deals tab holds exactly one row per deal.
func assertDealsMatchCRM(t *testing.T, em *emulators) {
	t.Helper()
	_, rows := tab(t, em, "Deals", "Zoho ID")
	ids := em.zoho.IDs("Deals")
	if got, want := sortedKeys(rows), sortedSet(ids); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Deals rows keyed %v, want exactly the CRM's deals %v", got, want)
	}
}

func sortedSet(s []string) []string {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return sortedKeys(m)
}

// assertRanOrLeaseBusy checks a run exited 0, or 75 with the lease message.
func assertRanOrLeaseBusy(t *testing.T, who string, code int, stderr string) {
	t.Helper()
	switch code {
	case 0:
	case exitLeaseBusy:
		if !strings.Contains(stderr, "another run holds the lease until") {
			t.Fatalf("%s exited %d without the lease message:\n%s", who, code, stderr)
		}
	default:
		t.Fatalf("%s exited %d, want 0 or %d:\n%s", who, code, exitLeaseBusy, stderr)
	}
}

// TestOverlappingRunsNeverCorruptTheTab is issue 8's acceptance test: two
// runs started together on one spreadsheet, again and again, with request
// latency and random start offsets. The tab must always end exact, and
// each run must succeed or report the lease.
func TestOverlappingRunsNeverCorruptTheTab(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 20, "Deals": 6})
	cfg := writeMapping(t, string(demoMapping))
	rng := rand.New(rand.NewPCG(8, 3))
	var latMu gosync.Mutex
	em.sheets.OnRequest(func(*http.Request) {
		latMu.Lock()
		d := time.Duration(rng.IntN(3000)) * time.Microsecond
		latMu.Unlock()
		time.Sleep(d)
	})
	if code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
		t.Fatalf("first run exit %d:\n%s", code, errs)
	}
	busy := 0
	for n := 1; n <= 25; n++ {
		changeCRM(em, rng, n)
		offsets := [2]time.Duration{time.Duration(rng.IntN(4000)) * time.Microsecond, time.Duration(rng.IntN(4000)) * time.Microsecond}
		args := [2][]string{{"--once", "--config", cfg}, {"--once", "--config", cfg}}
		if n%5 == 0 {
			args[1] = append(args[1], "--full")
		}
		var codes [2]int
		var errs [2]string
		var wg gosync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(offsets[i])
				codes[i], _, errs[i] = inProcess(t, em, nil, args[i]...)
			}()
		}
		wg.Wait()
		for i := range 2 {
			assertRanOrLeaseBusy(t, fmt.Sprintf("round %d run %d", n, i), codes[i], errs[i])
			if codes[i] != 0 {
				busy++
			}
		}
		assertLeadsMatchCRM(t, em)
		assertDealsMatchCRM(t, em)
	}
	t.Logf("%d of 50 runs found the lease taken", busy)
	if busy == 0 {
		t.Fatal("no run ever found the lease taken: the runs did not overlap, so the test proved nothing")
	}
	// Every lease was released: a run by hand now goes through at once.
	if code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
		t.Fatalf("run after the races exit %d:\n%s", code, errs)
	}
}

// expireLeases moves the expiry of every run lease entry an hour into the
// past, as if its run had crashed an hour ago.
func expireLeases(t *testing.T, em *emulators) {
	t.Helper()
	n := 0
	for _, m := range em.sheets.Metadata(em.spreadsheetID) {
		if m.Key != sheets.LeaseKey {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(m.Value), &v); err != nil {
			t.Fatalf("lease entry %d: %v", m.ID, err)
		}
		v["expires"] = time.Now().Add(-time.Hour).Format(time.RFC3339Nano)
		b, _ := json.Marshal(v)
		em.sheets.SetMetadataValue(em.spreadsheetID, m.ID, string(b))
		n++
	}
	if n == 0 {
		t.Fatal("no lease entry to expire")
	}
}
