package sheets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

const leaseTTL = 2 * time.Minute

// run is one run on its own machine: its own client, clock and leaser, on
// the env's spreadsheet.
type run struct {
	ss    *sheets.Spreadsheet
	clock *fakeClock
	l     *sheets.Leaser
}

func (e *env) newRun(t testing.TB, host string, clock *fakeClock) *run {
	t.Helper()
	tok := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.srv.IssueToken(saEmail)})
	c, err := sheets.NewClient(context.Background(), sheets.WithTokenSource(tok), sheets.WithEndpoint(e.srv.URL()),
		sheets.WithClock(clock.Now), sheets.WithSleep(clock.Sleep), sheets.WithWriteRate(rate.Inf, 1),
		sheets.WithHTTPClient(e.srv.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := c.Open(context.Background(), e.id, "")
	if err != nil {
		t.Fatal(err)
	}
	return &run{ss: ss, clock: clock, l: ss.NewLeaser(sheets.LeaseOptions{TTL: leaseTTL, Host: host, PID: len(host)})}
}

// advance moves the clock forward without sleeping.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// leases returns the lease entries' values.
func (e *env) leases(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range e.srv.Metadata(e.id) {
		if m.Key != sheets.LeaseKey {
			continue
		}
		if m.LocationType != "SPREADSHEET" || m.Visibility != "DOCUMENT" {
			t.Errorf("lease entry %d at %s with visibility %s, want SPREADSHEET/DOCUMENT", m.ID, m.LocationType, m.Visibility)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(m.Value), &v); err != nil {
			t.Fatalf("lease entry %d: %v", m.ID, err)
		}
		v["metadataId"] = m.ID
		out = append(out, v)
	}
	return out
}

func take(t testing.TB, r *run) zsync.Lease {
	t.Helper()
	l, err := r.l.TryLease(context.Background())
	if err != nil {
		t.Fatalf("take the lease: %v", err)
	}
	return l
}

func wantBusy(t testing.TB, err error, host string) *zsync.LeaseBusyError {
	t.Helper()
	var busy *zsync.LeaseBusyError
	if !errors.As(err, &busy) {
		t.Fatalf("err = %v, want *LeaseBusyError", err)
	}
	if busy.Holder.Host != host {
		t.Errorf("busy names holder %+v, want host %s", busy.Holder, host)
	}
	return busy
}

func TestLeaseTakeRenewRelease(t *testing.T) {
	e := newEnv(t, envOpt{})
	a, b := e.newRun(t, "alpha", newClock()), e.newRun(t, "beta", newClock())
	ctx := context.Background()

	la := take(t, a)
	got := e.leases(t)
	if len(got) != 1 || got[0]["host"] != "alpha" || got[0]["pid"] != float64(5) || got[0]["ticket"] != float64(1) {
		t.Fatalf("lease entries %v, want alpha's with ticket 1", got)
	}
	if want := a.clock.Now().Add(leaseTTL); !la.Expires().Equal(want) {
		t.Errorf("expires %v, want %v", la.Expires(), want)
	}

	writes := e.srv.Stats().Writes
	_, err := b.l.TryLease(ctx)
	busy := wantBusy(t, err, "alpha")
	until := la.Expires().Add(sheets.DefaultLeaseSkew) // when beta may take it over
	if !busy.Holder.Expires.Equal(until) || len(busy.Holder.Owner) != 8 || busy.Holder.PID != 5 {
		t.Errorf("holder %+v, want alpha's expiry plus the skew %v and an 8-character owner", busy.Holder, until)
	}
	mustContain(t, err.Error(), "another run holds the lease until "+until.UTC().Format(time.RFC3339), "host alpha, pid 5, owner "+busy.Holder.Owner)
	if n := e.srv.Stats().Writes - writes; n != 0 {
		t.Errorf("finding the lease taken cost %d writes, want none", n)
	}

	a.clock.advance(leaseTTL / 3)
	if err := la.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if want := a.clock.Now().Add(leaseTTL); !la.Expires().Equal(want) {
		t.Errorf("after renewal expires %v, want %v", la.Expires(), want)
	}
	if v := e.leases(t); len(v) != 1 || v[0]["expires"] != la.Expires().Format(time.RFC3339Nano) {
		t.Errorf("stored entry %v, want expiry %v", v, la.Expires())
	}
	// Held: writes go through.
	e.ss = a.ss
	e.upsert(t, tbl(rec("1", "Ada", 1)))

	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if v := e.leases(t); len(v) != 0 {
		t.Fatalf("entries after release: %v", v)
	}
	// Given up while held, the lease no longer guards alpha's writes.
	e.upsert(t, tbl(rec("1", "Ada", 1), rec("2", "Bob", 2)))
	lb := take(t, b)
	if v := e.leases(t); len(v) != 1 || v[0]["host"] != "beta" {
		t.Fatalf("entries %v, want beta's", v)
	}
	if err := lb.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLeaseExpiredIsTakenOverAndTheOldHolderIsFenced(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := context.Background()
	a := e.newRun(t, "alpha", newClock())
	la := take(t, a)

	// beta's clock is past alpha's expiry, but within the skew: not yet.
	b := e.newRun(t, "beta", newClock())
	b.clock.advance(leaseTTL + sheets.DefaultLeaseSkew/2)
	_, err := b.l.TryLease(ctx)
	if busy := wantBusy(t, err, "alpha"); !busy.Holder.Expires.After(b.clock.Now()) {
		t.Errorf("busy until %v, already past at %v: say when the lease may be taken over", busy.Holder.Expires, b.clock.Now())
	}

	// alpha hung (it did not renew); beta's clock passes expiry + skew.
	b.clock.advance(sheets.DefaultLeaseSkew)
	lb := take(t, b)
	if v := e.leases(t); len(v) != 1 || v[0]["host"] != "beta" {
		t.Fatalf("entries %v, want only beta's: the lapsed entry is deleted", v)
	}

	// alpha wakes up with a clock that says its lease is still good: the
	// renewal finds its entry gone, and alpha writes nothing more.
	writes := e.srv.Stats().Writes
	err = la.Renew(ctx)
	if !errors.Is(err, zsync.ErrLeaseLost) || !strings.Contains(err.Error(), "another run took it over") {
		t.Fatalf("renew = %v, want lost to another run", err)
	}
	if !errors.Is(la.Err(), zsync.ErrLeaseLost) {
		t.Errorf("Err() = %v after losing", la.Err())
	}
	_, err = a.ss.Upsert(ctx, tbl(rec("1", "Ada", 1)), zsync.UpsertOptions{})
	if !errors.Is(err, zsync.ErrLeaseLost) {
		t.Fatalf("upsert after losing the lease: %v, want ErrLeaseLost", err)
	}
	if err := a.ss.SaveState(ctx, zsync.ModuleState{Module: "Leads", Sheet: "Leads"}); !errors.Is(err, zsync.ErrLeaseLost) {
		t.Fatalf("save state after losing the lease: %v, want ErrLeaseLost", err)
	}
	if n := e.srv.Stats().Writes - writes; n != 1 { // the renewal that found the entry gone
		t.Errorf("%d write requests after the takeover, want only the failed renewal", n)
	}
	// Releasing the lost lease leaves beta's alone.
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if v := e.leases(t); len(v) != 1 || v[0]["host"] != "beta" {
		t.Fatalf("entries %v, want beta's untouched", v)
	}
	if _, err := a.ss.Upsert(ctx, tbl(rec("1", "Ada", 1)), zsync.UpsertOptions{}); !errors.Is(err, zsync.ErrLeaseLost) {
		t.Fatalf("upsert after releasing a lost lease: %v, want ErrLeaseLost", err)
	}
	e.ss = b.ss
	e.upsert(t, tbl(rec("1", "Ada", 1)))
	if err := lb.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLeaseNotRenewedInTimeStopsWritesBeforeOthersMayTakeOver(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := context.Background()
	a := e.newRun(t, "alpha", newClock())
	la := take(t, a)
	e.ss = a.ss
	e.upsert(t, tbl(rec("1", "Ada", 1)))

	// Renewals failed for three quarters of the TTL: alpha stops writing,
	// a quarter TTL before anyone else may take over.
	a.clock.advance(leaseTTL * 3 / 4)
	writes := e.srv.Stats().Writes
	_, err := a.ss.Upsert(ctx, tbl(rec("1", "Ada", 1), rec("2", "Bob", 2)), zsync.UpsertOptions{})
	if !errors.Is(err, zsync.ErrLeaseLost) || !strings.Contains(err.Error(), "not renewed before") {
		t.Fatalf("upsert after the fence: %v, want ErrLeaseLost (not renewed)", err)
	}
	if n := e.srv.Stats().Writes - writes; n != 0 {
		t.Fatalf("%d writes sent after the fence", n)
	}
	if err := la.Renew(ctx); !errors.Is(err, zsync.ErrLeaseLost) {
		t.Fatalf("renew after the fence = %v, want ErrLeaseLost: a late renewal must not revive it", err)
	}
	if n := e.srv.Stats().Writes - writes; n != 0 {
		t.Fatalf("the late renewal was sent")
	}
	e.want(t, [][]string{{"Id", "Name", "Amount"}, {"1", "Ada", "1"}})
	// It still releases, so the next run need not wait for the expiry.
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	take(t, e.newRun(t, "beta", newClock()))
}

func TestLeaseAmbiguousCreateIsLookedUp(t *testing.T) {
	e := newEnv(t, envOpt{})
	a := e.newRun(t, "alpha", newClock())
	// The create is applied, but its answer is lost.
	e.srv.InjectFault(sheetstest.Fault{Method: "POST", Path: ":batchUpdate", Drop: true, AfterApply: true})
	la := take(t, a)
	if v := e.leases(t); len(v) != 1 || v[0]["ticket"] != float64(1) {
		t.Fatalf("entries %v, want one with ticket 1", v)
	}
	if err := la.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := e.leases(t); len(v) != 0 {
		t.Fatalf("entries after release: %v", v)
	}
}

func TestLeaseStuckChooserBlocksUntilItExpires(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := context.Background()
	a, b := e.newRun(t, "alpha", newClock()), e.newRun(t, "beta", newClock())
	take(t, a)
	// alpha dies between creating its entry and publishing its ticket.
	for _, m := range e.srv.Metadata(e.id) {
		if m.Key == sheets.LeaseKey {
			e.srv.SetMetadataValue(e.id, m.ID, strings.Replace(m.Value, `"ticket":1`, `"ticket":0`, 1))
		}
	}
	_, err := b.l.TryLease(ctx)
	wantBusy(t, err, "alpha")
	if len(b.clock.Slept()) == 0 {
		t.Error("beta did not wait for alpha to choose")
	}
	if v := e.leases(t); len(v) != 1 || v[0]["host"] != "alpha" {
		t.Fatalf("entries %v, want only alpha's: beta gives its entry up", v)
	}
	b.clock.advance(leaseTTL + sheets.DefaultLeaseSkew)
	take(t, b)

	// An entry nobody can read is no lease: it is cleared.
	for _, m := range e.srv.Metadata(e.id) {
		e.srv.SetMetadataValue(e.id, m.ID, "garbage")
	}
	take(t, a)
	if v := e.leases(t); len(v) != 1 || v[0]["host"] != "alpha" {
		t.Fatalf("entries %v, want only alpha's", v)
	}
}

// TestLeaseRacingTakersExactlyOneWins starts runs together, again and
// again, with request latency and start offsets: exactly one takes the
// lease each round, and the others find it taken.
func TestLeaseRacingTakersExactlyOneWins(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	var mu gosync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	jitter := func(max time.Duration) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(rng.Int64N(int64(max)))
	}
	e.srv.OnRequest(func(*http.Request) { time.Sleep(jitter(time.Millisecond)) })
	const rounds = 60
	for round := range rounds {
		n := 2 + round%3
		runs := make([]*run, n)
		for i := range runs {
			// Real sleeps are short: the fake clock runs ahead.
			c := newClock()
			runs[i] = e.newRun(t, fmt.Sprintf("host%d", i), c)
		}
		var winners atomic.Int32
		var held gosync.Map
		var wg gosync.WaitGroup
		for i, r := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(jitter(time.Millisecond))
				l, err := r.l.TryLease(context.Background())
				var busy *zsync.LeaseBusyError
				switch {
				case err == nil:
					winners.Add(1)
					held.Store(i, l)
				case errors.As(err, &busy):
				default:
					t.Errorf("round %d run %d: %v", round, i, err)
				}
			}()
		}
		wg.Wait()
		if w := winners.Load(); w != 1 {
			t.Fatalf("round %d: %d of %d runs took the lease, want exactly 1; entries %v", round, w, n, e.leases(t))
		}
		held.Range(func(k, v any) bool {
			if entries := e.leases(t); len(entries) != 1 || entries[0]["host"] != fmt.Sprintf("host%d", k) {
				t.Fatalf("round %d: entries %v, want only the winner's", round, entries)
			}
			if err := v.(zsync.Lease).Release(context.Background()); err != nil {
				t.Fatal(err)
			}
			return true
		})
	}
}

// A run that wrote as fast as Google's quota allows still renews its lease
// in time: the renewal does not queue behind a minute's worth of writes,
// which would take it past the fence and stop the run.
func TestLeaseRenewalIsNotPacedBehindWrites(t *testing.T) {
	e := newEnv(t, envOpt{})
	clock := newClock()
	tok := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.srv.IssueToken(saEmail)})
	c, err := sheets.NewClient(context.Background(), sheets.WithTokenSource(tok), sheets.WithEndpoint(e.srv.URL()),
		sheets.WithClock(clock.Now), sheets.WithSleep(clock.Sleep), sheets.WithQuota(0, sheets.DefaultWriteQuota),
		sheets.WithHTTPClient(e.srv.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := c.Open(context.Background(), e.id, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := ss.NewLeaser(sheets.LeaseOptions{TTL: leaseTTL}).TryLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A third of the TTL later, the run writes a full minute's quota.
	clock.advance(leaseTTL/3 - time.Second)
	for range sheets.DefaultWriteQuota {
		if err := ss.CheckWritable(ctx); err != nil {
			t.Fatal(err)
		}
	}
	clock.advance(time.Second)
	if err := l.Renew(ctx); err != nil {
		t.Fatalf("renewal after a burst of writes: %v", err)
	}
	if err := ss.CheckWritable(ctx); err != nil {
		t.Fatalf("a write after the renewal: %v", err)
	}
}

// A renewal whose request hangs gives up at the fence, and the run writes
// nothing more: it never waits on it past the time others may take over.
func TestLeaseHungRenewalEndsAtTheFence(t *testing.T) {
	e := newEnv(t, envOpt{})
	// The client's clock runs ahead when told to: the renewal below starts
	// 300 ms before the fence, its lease's expiry half a minute away.
	// A renewal waiting past the expiry would take that long in real time
	// too, whatever the machine's load; one that ends at the fence, 300 ms.
	var ahead atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	tok := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.srv.IssueToken(saEmail)})
	c, err := sheets.NewClient(context.Background(), sheets.WithTokenSource(tok), sheets.WithEndpoint(e.srv.URL()),
		sheets.WithHTTPClient(e.srv.HTTPClient()), sheets.WithWriteRate(rate.Inf, 1), sheets.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := c.Open(context.Background(), e.id, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const ttl = sheets.DefaultLeaseTTL
	l, err := ss.NewLeaser(sheets.LeaseOptions{TTL: ttl}).TryLease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ahead.Store(int64(ttl - ttl/4 - 300*time.Millisecond))
	e.srv.InjectFault(sheetstest.Fault{Path: ":batchUpdate", Hang: true, Times: 100})
	start := time.Now()
	expiry := l.Expires().Sub(now())
	err = l.Renew(ctx)
	if took := time.Since(start); took > expiry {
		t.Fatalf("the hung renewal took %s, past the lease's expiry (%s away)", took, expiry)
	}
	if !errors.Is(err, zsync.ErrLeaseLost) {
		t.Fatalf("hung renewal: %v, want ErrLeaseLost", err)
	}
	e.srv.ClearFaults()
	writes := e.srv.Stats().Writes
	if err := ss.CheckWritable(ctx); !errors.Is(err, zsync.ErrLeaseLost) {
		t.Fatalf("a write after the hung renewal: %v, want ErrLeaseLost", err)
	}
	if n := e.srv.Stats().Writes - writes; n != 0 {
		t.Fatalf("%d writes sent after the lease was lost", n)
	}
}
