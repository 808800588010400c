package zoho_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	srv    *zohotest.Server
	logs   *syncBuffer
	sleeps *int
	mu     *sync.Mutex
}

// newEmulator starts the emulator on a real loopback listener.
func newEmulator(t testing.TB, records map[string]int) *env {
	t.Helper()
	srv, err := zohotest.NewServer(zohotest.Options{Seed: 1, Records: records})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") && !strings.HasPrefix(srv.URL(), "http://[::1]:") {
		t.Fatalf("emulator not on a loopback listener: %s", srv.URL())
	}
	return &env{srv: srv, logs: &syncBuffer{}, sleeps: new(int), mu: &sync.Mutex{}}
}

// client returns the real client pointed at the emulator, logging at debug
// level into e.logs, with a sleep that returns at once.
func (e *env) client(t testing.TB, opts ...zoho.Option) *zoho.Client {
	t.Helper()
	c := e.srv.Credentials()
	base := []zoho.Option{
		zoho.WithCredentials(zoho.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken}),
		zoho.WithAccountsURL(e.srv.AccountsURL()),
		zoho.WithClock(e.srv.Now),
		zoho.WithSleep(func(ctx context.Context, d time.Duration) error {
			e.mu.Lock()
			*e.sleeps++
			e.mu.Unlock()
			return ctx.Err()
		}),
		zoho.WithLogger(zerolog.New(e.logs).Level(zerolog.DebugLevel)),
	}
	zc, err := zoho.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return zc
}

// assertNoSecrets fails when a credential of the emulator shows in text.
func (e *env) assertNoSecrets(t testing.TB, text string) {
	t.Helper()
	c := e.srv.Credentials()
	for _, s := range []string{c.ClientSecret, c.RefreshToken} {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("secret %q appears in the logs or errors", s)
		}
	}
	if strings.Contains(text, "Zoho-oauthtoken 1") || strings.Contains(text, `"access_token":"1`) {
		t.Errorf("an access token appears in the logs")
	}
}

func readAll(t testing.TB, c *zoho.Client, module string, opts zsync.ReadOptions) []zsync.Record {
	t.Helper()
	var out []zsync.Record
	for r, err := range c.Records(context.Background(), module, opts) {
		if err != nil {
			t.Fatalf("read %s: %v", module, err)
		}
		out = append(out, r)
	}
	return out
}

// assertEachOnce fails unless recs are n records, none twice (a page read
// again after a failure must not repeat records).
func assertEachOnce(t testing.TB, recs []zsync.Record, n int) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.ID] {
			t.Fatalf("record %s read twice", r.ID)
		}
		seen[r.ID] = true
	}
	if len(seen) != n {
		t.Errorf("read %d of %d records", len(seen), n)
	}
}

func ids(recs []zsync.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func TestEmulatorFullReadCrossesPageLimit(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 4500, "Deals": 10})
	c := e.client(t, zoho.WithoutCOQL())
	ctx := context.Background()
	fields, err := c.Fields(ctx, "Leads")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fields {
		names = append(names, f.APIName)
	}
	recs := readAll(t, c, "Leads", zsync.ReadOptions{Fields: names[:min(len(names), 40)]})
	got := ids(recs)
	want := e.srv.IDs("Leads")
	if len(got) != len(want) {
		t.Errorf("read %d records, the emulator has %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("duplicate record %s", id)
		}
		seen[id] = true
	}
	for _, id := range want {
		if !seen[id] {
			t.Fatalf("record %s missing (gap)", id)
		}
	}
	converted := 0
	for i, r := range recs {
		if i > 0 && r.Modified.Before(recs[i-1].Modified) {
			t.Fatalf("not sorted by Modified_Time at %d", i)
		}
		if r.Fields["Converted__s"] == true {
			converted++
		}
	}
	if converted == 0 {
		t.Errorf("no converted lead read (converted=both missing?)")
	}
	st := c.Stats()
	if st.Calls != 1+(4500+199)/200 || st.TokenRefreshes != 1 {
		t.Errorf("stats %+v: want 1 metadata call + %d pages, 1 token", st, (4500+199)/200)
	}
	e.assertNoSecrets(t, e.logs.String())
}

func TestEmulatorIncrementalAndDeleted(t *testing.T) {
	e := newEmulator(t, nil)
	c := e.client(t)
	ctx := context.Background()
	all := readAll(t, c, "Contacts", zsync.ReadOptions{Fields: []string{"Last_Name"}})
	if len(all) == 0 {
		t.Fatal("no contacts seeded")
	}
	e.srv.Advance(time.Hour)
	cursor := e.srv.Now()
	e.srv.Advance(time.Minute)
	all = readAll(t, c, "Contacts", zsync.ReadOptions{Fields: []string{"Last_Name"}}) // token may expire: fine
	changed := []string{all[0].ID, all[len(all)/2].ID}
	for _, id := range changed {
		e.srv.Update("Contacts", id, map[string]any{"Last_Name": "Changed " + id})
	}
	newID := e.srv.Create("Contacts", map[string]any{"Last_Name": "New One"})
	changed = append(changed, newID)
	gone := all[len(all)-1].ID
	e.srv.Delete("Contacts", gone)

	recs := readAll(t, c, "Contacts", zsync.ReadOptions{Fields: []string{"Last_Name"}, Since: cursor})
	got := ids(recs)
	slices.Sort(got)
	slices.Sort(changed)
	if !slices.Equal(got, changed) {
		t.Errorf("incremental read %v, want exactly %v", got, changed)
	}
	for _, r := range recs {
		if r.ID != newID && r.Fields["Last_Name"] != "Changed "+r.ID {
			t.Errorf("%s: Last_Name %v", r.ID, r.Fields["Last_Name"])
		}
	}
	var dels []string
	for d, err := range c.Deleted(ctx, "Contacts", cursor) {
		if err != nil {
			t.Fatal(err)
		}
		dels = append(dels, d.ID)
	}
	if !slices.Equal(dels, []string{gone}) {
		t.Errorf("deleted %v, want [%s]", dels, gone)
	}
	// Nothing changed since now: 304/204 read as empty.
	if recs := readAll(t, c, "Contacts", zsync.ReadOptions{Since: e.srv.Now().Add(time.Minute)}); len(recs) != 0 {
		t.Errorf("read %d records changed in the future", len(recs))
	}
}

func TestEmulatorConcurrentCallersShareToken(t *testing.T) {
	e := newEmulator(t, nil)
	c := e.client(t)
	before := e.srv.Stats().TokenRequests
	for round := 1; round <= 3; round++ {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := c.Count(context.Background(), "Leads"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := e.srv.Stats().TokenRequests - before; got != round {
			t.Errorf("round %d: %d token requests, want %d", round, got, round)
		}
		e.srv.Advance(time.Hour)
	}
	if got := c.Stats().TokenRefreshes; got != 3 {
		t.Errorf("TokenRefreshes = %d", got)
	}
}

func TestEmulatorTokenDiesMidRead(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 5000})
	c := e.client(t)
	n := 0
	for _, err := range c.Records(context.Background(), "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name"}}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 3000 { // in the second of three COQL pages
			e.srv.ExpireAccessTokens()
		}
	}
	if n != 5000 {
		t.Errorf("read %d of 5000", n)
	}
	if st := c.Stats(); st.TokenRefreshes != 2 || st.ByStatus[401] != 1 {
		t.Errorf("stats %+v: want one 401 and one extra refresh", st)
	}
}

func TestEmulatorFaults(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 700})
	t.Run("BurstsRecover", func(t *testing.T) {
		c := e.client(t, zoho.WithMaxRetries(5))
		e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", Status: 429, Times: 3})
		e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", Status: 503, Times: 2})
		recs := readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name"}})
		if len(recs) != 700 {
			t.Errorf("read %d of 700", len(recs))
		}
		if st := c.Stats(); st.Retries < 5 || st.Retries > 10 {
			t.Errorf("retries %d, want the 5 injected faults retried", st.Retries)
		}
	})
	t.Run("PermanentFailureIsClear", func(t *testing.T) {
		c := e.client(t, zoho.WithMaxRetries(3))
		e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", Status: 500, Times: 1000})
		_, err := collectErr(c.Records(context.Background(), "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name"}}))
		var ae *zoho.APIError
		if !errors.As(err, &ae) || ae.Status != 500 || !strings.Contains(err.Error(), "gave up after 4 attempts") {
			t.Fatalf("err = %v", err)
		}
		if zsync.Hint(err) == "" {
			t.Errorf("no hint for %v", err)
		}
		if st := c.Stats(); st.Calls > 1+4 {
			t.Errorf("%d calls: retries not bounded", st.Calls)
		}
	})
	e.assertNoSecrets(t, e.logs.String())
}

func collectErr(seq func(func(zsync.Record, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func TestEmulatorTokenErrors(t *testing.T) {
	e := newEmulator(t, nil)
	creds := e.srv.Credentials()
	ctx := context.Background()
	try := func(t *testing.T, opts ...zoho.Option) error {
		t.Helper()
		_, err := e.client(t, opts...).Token(ctx)
		if err == nil {
			t.Fatal("no error")
		}
		e.assertNoSecrets(t, err.Error()+zsync.Hint(err))
		return err
	}
	code := func(err error) string {
		var te *zoho.TokenError
		if errors.As(err, &te) {
			return te.Code
		}
		return fmt.Sprintf("not a *TokenError: %v", err)
	}
	t.Run("WrongDataCentre", func(t *testing.T) {
		err := try(t, zoho.WithAccountsURL(e.srv.AccountsURLFor("eu")))
		if code(err) != zoho.CodeInvalidClient || !strings.Contains(zsync.Hint(err), "ZOHO_DC") {
			t.Errorf("%v / %s", err, zsync.Hint(err))
		}
	})
	t.Run("WrongSecret", func(t *testing.T) {
		err := try(t, zoho.WithCredentials(zoho.Credentials{ClientID: creds.ClientID, ClientSecret: "wrong-secret", RefreshToken: creds.RefreshToken}))
		if code(err) != zoho.CodeInvalidClientSecret || !strings.Contains(zsync.Hint(err), "ZOHO_CLIENT_SECRET") {
			t.Errorf("%v / %s", err, zsync.Hint(err))
		}
	})
	t.Run("UnknownClient", func(t *testing.T) {
		err := try(t, zoho.WithCredentials(zoho.Credentials{ClientID: "1000.NOBODY", ClientSecret: creds.ClientSecret, RefreshToken: creds.RefreshToken}))
		if code(err) != zoho.CodeInvalidClient {
			t.Errorf("%v", err)
		}
	})
	t.Run("Throttled", func(t *testing.T) {
		var err error
		for i := 0; i < 11 && err == nil; i++ {
			_, err = e.client(t).Token(ctx) // a new client per run: no cache
		}
		if code(err) != zoho.CodeAccessDenied || !strings.Contains(err.Error(), "too many token requests") ||
			!strings.Contains(zsync.Hint(err), "10 minutes") {
			t.Errorf("%v / %s", err, zsync.Hint(err))
		}
		e.srv.Advance(11 * time.Minute)
	})
	t.Run("SelfClientCode", func(t *testing.T) {
		c := e.client(t)
		code1 := e.srv.NewSelfClientCode(zoho.DefaultScopes...)
		g, err := c.Exchange(ctx, code1, "")
		if err != nil || g.RefreshToken == "" || g.APIDomain != e.srv.APIDomain() {
			t.Fatalf("exchange: %v %v", g, err)
		}
		_, err = c.Exchange(ctx, code1, "")
		if code(err) != zoho.CodeInvalidCode || !strings.Contains(err.Error(), "already used") {
			t.Errorf("reused code: %v", err)
		}
		e.assertNoSecrets(t, err.Error())
		if strings.Contains(err.Error(), code1) {
			t.Errorf("grant code in the error")
		}
		if err := c.Revoke(ctx, g.RefreshToken); err != nil {
			t.Errorf("revoke: %v", err)
		}
	})
	t.Run("RevokedRefreshToken", func(t *testing.T) {
		e.srv.RevokeRefreshToken()
		err := try(t)
		if code(err) != zoho.CodeInvalidCode || !strings.Contains(zsync.Hint(err), "zoho2sheets auth") {
			t.Errorf("%v / %s", err, zsync.Hint(err))
		}
	})
	e.assertNoSecrets(t, e.logs.String())
}

func TestEmulatorMetadata(t *testing.T) {
	e := newEmulator(t, nil)
	c := e.client(t)
	ctx := context.Background()
	mods, err := c.Modules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(mods, func(m zsync.Module) bool { return m.APIName == "Leads" && m.APISupported }) {
		t.Errorf("modules %v", mods)
	}
	fields, err := c.Fields(ctx, "Deals")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(fields, func(f zsync.Field) bool { return f.DataType == "lookup" && f.LookupModule != "" }) {
		t.Errorf("no lookup field with its module in %v", fields)
	}
	// Deals: whether Leads' count includes converted leads is unconfirmed.
	n, err := c.Count(ctx, "Deals")
	if err != nil || n != len(e.srv.IDs("Deals")) {
		t.Errorf("Count = %d, %v", n, err)
	}
	_, err = c.Fields(ctx, "Leadz")
	var ae *zoho.APIError
	if !errors.As(err, &ae) || ae.Code != "INVALID_MODULE" || !strings.Contains(zsync.Hint(err), "zoho2sheets fields") {
		t.Errorf("unknown module: %v", err)
	}
}

// BenchmarkReadRecords100k reads a 100,000-record module through the real
// client and the emulator over loopback. The call count must be the
// minimum: 50 COQL queries of 2,000 plus the users list (owners' names);
// the field metadata is cached, as in a run.
func BenchmarkReadRecords100k(b *testing.B) {
	const n = 100_000
	e := newEmulator(b, map[string]int{"Deals": n})
	c := e.client(b)
	ctx := context.Background()
	if _, err := c.Fields(ctx, "Deals"); err != nil {
		b.Fatal(err)
	}
	opts := zsync.ReadOptions{Fields: []string{"Deal_Name", "Amount", "Stage", "Closing_Date", "Account_Name", "Owner"}}
	b.ReportAllocs()
	b.ResetTimer()
	start := c.Stats()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for b.Loop() {
		read := 0
		for _, err := range c.Records(ctx, "Deals", opts) {
			if err != nil {
				b.Fatal(err)
			}
			read++
		}
		if read != n {
			b.Fatalf("read %d of %d", read, n)
		}
	}
	runtime.ReadMemStats(&m1)
	end := c.Stats()
	// The emulator runs in this process: this counts its allocations too.
	// BenchmarkDecodeRecords measures the client's alone.
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(n)/float64(b.N), "allocs/record(+emulator)")
	calls := float64(end.Calls-start.Calls) / float64(b.N)
	b.ReportMetric(calls, "calls/op")
	b.ReportMetric(float64(end.TokenRefreshes), "tokens(total)")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if want := n/2000 + 1; calls != float64(want) {
		b.Errorf("%.0f calls per read, want %d", calls, want)
	}
}

func TestEmulatorDroppedConnections(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 5000})
	c := e.client(t)
	e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", After: 1, Drop: true})
	e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", After: 2, CutBody: true})
	assertEachOnce(t, readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name"}}), 5000)
	// Go's transport itself resends a GET whose reused connection closed
	// without an answer; the cut body is the client's to retry.
	if st := c.Stats(); st.Retries < 1 {
		t.Errorf("stats %+v: the cut body was not retried", st)
	}
}

func TestEmulatorBulkRecords(t *testing.T) {
	srv, err := zohotest.NewServer(zohotest.Options{Seed: 3, Records: map[string]int{"Deals": 450}, BulkPageSize: 200, BulkPolls: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	e := &env{srv: srv, logs: &syncBuffer{}, sleeps: new(int), mu: &sync.Mutex{}}
	c := e.client(t)
	ctx := context.Background()
	fields := []string{"Deal_Name", "Amount", "Closing_Date", "Account_Name", "Owner", "Modified_Time"}
	var recs []zsync.Record
	for r, err := range c.BulkRecords(ctx, zoho.BulkQuery{Module: "Deals", Fields: fields}) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	got := ids(recs)
	want := srv.IDs("Deals")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("bulk read %d records, want the %d of the emulator", len(got), len(want))
	}
	if st := c.Stats(); st.ByStatus[201] != 3 {
		t.Errorf("%d jobs for 450 records at 200 per job", st.ByStatus[201])
	}
	if *e.sleeps == 0 {
		t.Errorf("polling did not wait")
	}
	// Typed like Get Records, except lookups carry only their id.
	byID := map[string]zsync.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	for _, id := range want[:20] {
		r, wantRec := byID[id], map[string]any(nil)
		wantRec, _ = srv.Record("Deals", id)
		if r.Modified.IsZero() {
			t.Errorf("%s: no Modified_Time", id)
		}
		if o, ok := wantRec["Owner"].(map[string]any); ok {
			if l, ok := r.Fields["Owner"].(zsync.Lookup); !ok || l.ID != o["id"] {
				t.Errorf("%s: Owner %#v, want id %v", id, r.Fields["Owner"], o["id"])
			}
		}
		if a, ok := wantRec["Amount"].(float64); ok {
			if r.Fields["Amount"] != a {
				t.Errorf("%s: Amount %#v, want %v", id, r.Fields["Amount"], a)
			}
		}
		if d, ok := wantRec["Closing_Date"].(string); ok {
			if got, ok := r.Fields["Closing_Date"].(zsync.Date); !ok || got.String() != d {
				t.Errorf("%s: Closing_Date %#v, want %s", id, r.Fields["Closing_Date"], d)
			}
		}
	}
	e.assertNoSecrets(t, e.logs.String())
}

// A connection cut while the deleted-records page is read is asked again,
// like a records page, instead of failing the module's run.
func TestEmulatorDeletedCutBodyRetried(t *testing.T) {
	e := newEmulator(t, map[string]int{"Contacts": 100})
	c := e.client(t)
	since := e.srv.Now().Add(-365 * 24 * time.Hour)
	var want []string
	for d, err := range c.Deleted(context.Background(), "Contacts", since) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, d.ID)
	}
	if len(want) == 0 {
		t.Fatal("no deleted contacts seeded")
	}
	e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/Contacts/deleted", CutBody: true})
	var got []string
	for d, err := range c.Deleted(context.Background(), "Contacts", since) {
		if err != nil {
			t.Fatalf("deleted records after a cut answer: %v", err)
		}
		got = append(got, d.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("deleted %v, want %v", got, want)
	}
}

// Bulk Read exports a record's tags in one cell; each tag must come back
// as its own Lookup, as Get Records gives them.
func TestEmulatorBulkTagsSplit(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 120})
	c := e.client(t)
	ctx := context.Background()
	want := map[string][]string{}
	for _, r := range readAll(t, c, "Leads", zsync.ReadOptions{Fields: []string{"Tag"}}) {
		tags, _ := r.Fields["Tag"].([]zsync.Value)
		for _, v := range tags {
			want[r.ID] = append(want[r.ID], v.(zsync.Lookup).Name)
		}
	}
	multi := 0
	for r, err := range c.BulkRecords(ctx, zoho.BulkQuery{Module: "Leads", Fields: []string{"Tag"}}) {
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		tags, _ := r.Fields["Tag"].([]zsync.Value)
		for _, v := range tags {
			got = append(got, v.(zsync.Lookup).Name)
		}
		if !slices.Equal(got, want[r.ID]) {
			t.Errorf("%s: bulk tags %q, Get Records tags %q", r.ID, got, want[r.ID])
		}
		if len(want[r.ID]) > 1 {
			multi++
		}
	}
	if multi == 0 {
		t.Fatal("no record with several tags seeded")
	}
}

// A request that never answers, or whose answer stalls half-way, ends at
// the request timeout and is retried: a hung token request, a hung page
// and a page cut short by a stall. Every record is read once, over a
// listener and in-process.
func TestEmulatorHungRequestsTimeOut(t *testing.T) {
	for _, nl := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoListener=%v", nl), func(t *testing.T) {
			srv, err := zohotest.NewServer(zohotest.Options{Seed: 1, Records: map[string]int{"Deals": 2500}, NoListener: nl})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Stop)
			e := &env{srv: srv, logs: &syncBuffer{}, sleeps: new(int), mu: &sync.Mutex{}}
			opts := []zoho.Option{zoho.WithRequestTimeout(time.Second)} // a 2,000-record page must fit under -race
			if nl {
				opts = append(opts, zoho.WithHTTPClient(srv.HTTPClient()))
			}
			c := e.client(t, opts...)
			srv.InjectFault(zohotest.Fault{Path: "/accounts/oauth/v2/token", Hang: true})
			// Records are read through COQL, 2,000 a call: the second page stalls.
			srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", Hang: true})
			srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", After: 1, Stall: true})
			assertEachOnce(t, readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name"}}), 2500)
			if n := srv.Stats().FaultsInjected; n != 3 {
				t.Errorf("%d faults acted, want 3", n)
			}
			// At least one retry per hung request: a page that outlasts the
			// timeout on a loaded machine is retried too, and meets the
			// stall instead (it acts on the second page request seen).
			if st := c.Stats(); st.Retries < 3 || st.TokenRefreshes != 1 {
				t.Errorf("stats %+v: want a retry for each of the 3 hung requests and 1 token", st)
			}
			e.assertNoSecrets(t, e.logs.String())
		})
	}
}

// Every tab of a module asks for its fields: one run reads them once, and a
// daemon's next run (past the cache's life) reads them again.
func TestEmulatorFieldsReadOncePerRun(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 3})
	c := e.client(t)
	ctx := context.Background()
	first, err := c.Fields(ctx, "Leads")
	if err != nil {
		t.Fatal(err)
	}
	calls := c.Stats().Calls
	first[0].APIName = "Mangled" // a caller's edit must not reach the cache
	again, err := c.Fields(ctx, "Leads")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().Calls; got != calls {
		t.Errorf("second Fields(Leads) made %d more calls, want 0", got-calls)
	}
	if again[0].APIName == "Mangled" {
		t.Errorf("Fields returned the cached slice itself: a caller's edit leaked into it")
	}
	e.srv.Advance(time.Hour)
	if _, err := c.Fields(ctx, "Leads"); err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().Calls; got == calls {
		t.Errorf("Fields(Leads) an hour later made no call: a daemon would never see new fields")
	}
}

// Records are passed on as an answer is read: an incremental read whose
// answer is cut off must not pass on the records before the cut twice.
func TestEmulatorCutBodyIncremental(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 5000})
	c := e.client(t)
	e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", After: 1, CutBody: true})
	since := e.srv.Now().Add(-10 * 365 * 24 * time.Hour)
	assertEachOnce(t, readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name"}, Since: since}), 5000)
	if st := c.Stats(); st.Retries < 1 {
		t.Errorf("stats %+v: the cut body was not retried", st)
	}
}

// Prefetch reads the modules' field metadata at once, then what those
// fields call for (users for an owner field, the org for an unformatted
// currency field or links, the linked module's web tab): the run's own
// calls then answer from the caches.
func TestEmulatorPrefetch(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 3, "Deals": 3})
	c := e.client(t)
	ctx := context.Background()
	c.Prefetch(ctx, []zsync.PrefetchRead{
		{Module: "Leads", Fields: []string{"id", "Owner"}},
		{Module: "Deals", Fields: []string{"id", "Amount"}, Unformatted: []string{"Amount"}, Links: true},
	})
	before := e.srv.Stats().APICalls
	for _, m := range []string{"Leads", "Deals"} {
		fs, err := c.Fields(ctx, m)
		if err != nil || len(fs) == 0 {
			t.Fatalf("%s: %d fields, %v", m, len(fs), err)
		}
	}
	if _, err := c.Org(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RecordURL(ctx, "Deals"); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, c, "Leads", zsync.ReadOptions{Fields: []string{"Owner"}})
	if n := e.srv.Stats().APICalls - before; n != 1 || len(recs) != 3 { // the records query itself
		t.Errorf("after Prefetch the run made %d calls (want 1: the records), read %d", n, len(recs))
	}
	// Nothing in the reads asks for users or the org: neither is read.
	c2 := e.client(t)
	before = e.srv.Stats().APICalls
	c2.Prefetch(ctx, []zsync.PrefetchRead{{Module: "Deals", Fields: []string{"Amount"}}})
	if n := e.srv.Stats().APICalls - before; n != 1 {
		t.Errorf("a read of a formatted field and no owner made %d calls ahead, want 1 (the fields)", n)
	}
	// An owner field on a tab read through Get Records (Tag cannot be read
	// by COQL) comes with its name: the users list is not needed.
	c3 := e.client(t)
	before = e.srv.Stats().APICalls
	c3.Prefetch(ctx, []zsync.PrefetchRead{{Module: "Leads", Fields: []string{"Owner", "Tag"}}})
	if n := e.srv.Stats().APICalls - before; n != 1 {
		t.Errorf("an owner field read through Get Records made %d calls ahead, want 1 (the fields)", n)
	}
}
