package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
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
		if k := leaseEntries(em); k != 0 {
			t.Fatalf("round %d: %d lease entries left", n, k)
		}
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

// leaseEntries counts the run lease entries of the emulated spreadsheet.
func leaseEntries(em *emulators) int {
	n := 0
	for _, m := range em.sheets.Metadata(em.spreadsheetID) {
		if m.Key == sheets.LeaseKey {
			n++
		}
	}
	return n
}

// holdLease takes the spreadsheet's lease as another run would.
func holdLease(t *testing.T, em *emulators) zsync.Lease {
	t.Helper()
	ctx := context.Background()
	e := env{getenv: func(k string) string { return em.env[k] }}
	c, err := newSheetsClient(ctx, e, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := c.Open(ctx, em.spreadsheetID, "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ss.NewLeaser(sheets.LeaseOptions{Host: "backfill-box", PID: 4242}).TryLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSecondRunWaitsForTheLeaseOrExits75(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	l := holdLease(t, em)
	writes := em.sheets.Stats().Writes

	code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg)
	if code != exitLeaseBusy {
		t.Fatalf("exit %d, want %d:\n%s", code, exitLeaseBusy, errs)
	}
	// The message names when the lease may be taken over: its expiry plus
	// the clock difference allowed between machines.
	until := l.Expires().Add(sheets.DefaultLeaseSkew).UTC().Format(time.RFC3339)
	for _, want := range []string{"another run holds the lease until " + until, "host backfill-box, pid 4242, owner ", "Try: ", "--wait"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if n := em.sheets.Stats().Writes - writes; n != 0 {
		t.Fatalf("the refused run wrote %d times", n)
	}

	// A dry run needs no lease and leaves none; it ignores --wait (a
	// workflow may pass both), so it does not wait either.
	if code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg, "--dry-run", "--wait", "1m"); code != 0 || strings.Contains(errs, "lease") {
		t.Fatalf("dry run exit %d, or it dealt with the lease:\n%s", code, errs)
	}

	// With --wait, the run waits for the holder to finish, then runs. The
	// holder lets go once the run says it is waiting (not after a fixed
	// time, which a slow machine could outlast before the run's first try).
	waiting := make(chan struct{})
	go func() {
		select {
		case <-waiting:
		case <-time.After(time.Minute):
		}
		l.Release(context.Background())
	}()
	poll := func(e *env) {
		e.leasePoll = 50 * time.Millisecond
		e.stderr = &signalWriter{w: e.stderr, text: "another run holds the lease: waiting for it", seen: waiting}
	}
	code, _, errs = inProcessEnv(t, em, nil, poll, "--once", "--config", cfg, "--wait", "1m", "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d with --wait:\n%s", code, errs)
	}
	if !strings.Contains(errs, "another run holds the lease: waiting for it") {
		t.Errorf("the wait is not logged:\n%s", errs)
	}
	assertLeadsMatchCRM(t, em)
	if n := leaseEntries(em); n != 0 {
		t.Fatalf("%d lease entries left after the runs", n)
	}
}

func TestWaitFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--once", "--wait", "-1s"}, "--wait -1s: use a duration of zero or more"},
		{[]string{"--once", "--wait", "soon"}, `invalid value "soon" for flag -wait`},
	} {
		var errb strings.Builder
		_, err := parseSyncFlags(tc.args, &errb)
		if code := exitCode(&errb, err); code != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d with %q", tc.args, code, errb.String(), exitUsage, tc.want)
		}
	}
}

func TestDaemonSlackEndsBeforeTheNextRun(t *testing.T) {
	now := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ every, want time.Duration }{
		{time.Minute, 54 * time.Second},
		{5 * time.Minute, 4*time.Minute + 30*time.Second},
		{24 * time.Hour, 24*time.Hour - time.Minute},
		{0, 0},
	} {
		if got := daemonSlack(now, now.Add(tc.every)); got != tc.want {
			t.Errorf("schedule every %v: wait %v, want %v", tc.every, got, tc.want)
		}
	}
}

// Two real processes, started together a few times: the tab ends exact and
// each exits 0 or 75; a SIGTERM'd run releases its lease.
func TestTwoProcessesOnOneSpreadsheet(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 20, "Deals": 6})
	cfg := writeMapping(t, string(demoMapping))
	rng := rand.New(rand.NewPCG(5, 8))
	em.sheets.InjectFault(sheetstestLatency(time.Millisecond))
	for n := 1; n <= 4; n++ {
		changeCRM(em, rng, n)
		var res [2]binResult
		var wg gosync.WaitGroup
		for i := range 2 {
			offset := time.Duration(rng.IntN(3000)) * time.Microsecond
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(offset)
				res[i] = runBin(t, em.env, "--once", "--config", cfg)
			}()
		}
		wg.Wait()
		for i, r := range res {
			assertRanOrLeaseBusy(t, fmt.Sprintf("round %d process %d", n, i), r.code, r.stderr)
		}
		assertLeadsMatchCRM(t, em)
		assertDealsMatchCRM(t, em)
		if k := leaseEntries(em); k != 0 {
			t.Fatalf("round %d: %d lease entries left", n, k)
		}
	}

	// SIGTERM during the first write: the run finishes that write,
	// releases the lease and exits.
	changeCRM(em, rng, 9)
	wrote := runBinHitAtFirstWrite(t, em, func(p *os.Process) { p.Signal(syscall.SIGTERM) }, "--once", "--config", cfg)
	if !wrote {
		t.Fatal("the run never wrote")
	}
	if k := leaseEntries(em); k != 0 {
		t.Fatalf("%d lease entries left after SIGTERM", k)
	}
	if r := runBin(t, em.env, "--once", "--config", cfg); r.code != 0 {
		t.Fatalf("run after SIGTERM exit %d:\n%s", r.code, r.stderr)
	}
	assertLeadsMatchCRM(t, em)
}

func TestDaemonSkipsARunWhileAnotherHoldsTheLease(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 2})
	l := holdLease(t, em)
	d := startDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil, "--wait", "0s")
	const skipped = "another run holds the lease: nothing done"
	waitFor(t, "a skipped run", func() bool { return d.count(skipped) >= 1 })
	if n := d.count("module synced"); n != 0 {
		t.Fatalf("%d modules synced while the lease was held", n)
	}
	if err := l.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a run after the release", func() bool { return d.count("module synced") >= 2 })
	assertLeadsMatchCRM(t, em)
	if !strings.Contains(d.logs.String(), "host backfill-box, pid 4242") {
		t.Errorf("the skipped run does not name the holder:\n%s", d.logs.String())
	}
}

// signalWriter passes writes on to w and closes seen the first time a write
// contains text.
type signalWriter struct {
	w    io.Writer
	text string
	seen chan struct{}
	once gosync.Once
}

func (s *signalWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), s.text) {
		s.once.Do(func() { close(s.seen) })
	}
	return s.w.Write(p)
}
