package zoho_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// noDupNoGap fails unless recs hold each id of want exactly once.
func noDupNoGap(t *testing.T, recs []zsync.Record, want []string) {
	t.Helper()
	seen := make(map[string]bool, len(recs))
	for _, r := range recs {
		if seen[r.ID] {
			t.Fatalf("record %s read twice", r.ID)
		}
		seen[r.ID] = true
	}
	for _, id := range want {
		if !seen[id] {
			t.Fatalf("record %s missing (gap)", id)
		}
	}
	if len(recs) != len(want) {
		t.Fatalf("read %d records, want %d", len(recs), len(want))
	}
}

// norm renders a decoded value so two reads can be compared: datetimes as
// instants, everything else as Go syntax.
func norm(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%#v", v)
}

func TestCOQLKeyPaging150k(t *testing.T) {
	e := newEmulator(t, map[string]int{"Accounts": 150_000})
	c := e.client(t)
	e.srv.ResetStats()
	recs := readAll(t, c, "Accounts", zsync.ReadOptions{Fields: []string{"Account_Name"}})
	noDupNoGap(t, recs, e.srv.IDs("Accounts"))
	st := c.Stats()
	// 75 pages of 2,000 (past COQL's 100,000 OFFSET cap: keys, not offsets).
	if st.RecordCalls != 75 {
		t.Errorf("%d record calls, want 75", st.RecordCalls)
	}
	if got, want := st.Credits, e.srv.Stats().CreditsUsed; got != want || got < 75*3 {
		t.Errorf("client counted %d credits, the emulator %d (want 3 per 2,000-record query)", got, want)
	}
	if e.srv.Stats().Codes["LIMIT_EXCEEDED"] != 0 {
		t.Error("a query hit a limit")
	}
}

// Every row gets the same values whichever path served it: COQL (with
// more than 50 columns, split and merged by id) and Get Records agree on
// every field, lookup names and owners' full names included.
func TestCOQLMatchesGetRecordsOver50Columns(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 2100, "Accounts": 40, "Contacts": 40, "Deals": 40})
	ctx := context.Background()
	coql := e.client(t)
	fields, err := coql.Fields(ctx, "Leads")
	if err != nil {
		t.Fatal(err)
	}
	var plain []string
	for _, f := range fields {
		if f.APIName != "Tag" {
			plain = append(plain, f.APIName)
		}
	}
	related := []string{"Converted_Account.Industry", "Converted_Account.Parent_Account.Account_Name", "Converted_Contact.Email",
		"Converted_Deal.Deal_Name", "Converted_Deal.Amount", "Converted_Contact.Last_Name"}
	all := append(slices.Clone(plain), related...)
	if len(all)-2 <= 49 { // id comes back unasked; Modified_Time is in every query
		t.Fatalf("only %d columns: the test needs more than 50", len(all))
	}
	if p, err := coql.ReadPath(ctx, "Leads", all); err != nil || p.Name != zoho.PathCOQL {
		t.Fatalf("path %+v, %v", p, err)
	}
	got := readAll(t, coql, "Leads", zsync.ReadOptions{Fields: all})
	noDupNoGap(t, got, e.srv.IDs("Leads"))
	if st := coql.Stats(); st.RecordCalls != 2*2 {
		t.Errorf("%d record calls, want 2 passes of 2 pages", st.RecordCalls)
	}
	want := readAll(t, e.client(t, zoho.WithoutCOQL()), "Leads", zsync.ReadOptions{Fields: plain})
	byID := map[string]zsync.Record{}
	for _, r := range want {
		byID[r.ID] = r
	}
	named, related0 := 0, 0
	for _, r := range got {
		w := byID[r.ID]
		for _, f := range plain {
			if norm(r.Fields[f]) != norm(w.Fields[f]) {
				t.Fatalf("lead %s %s: COQL %s, Get Records %s", r.ID, f, norm(r.Fields[f]), norm(w.Fields[f]))
			}
		}
		if l, ok := r.Fields["Owner"].(zsync.Lookup); ok && l.Name != "" && l.Email != "" {
			named++
		}
		if acc, ok := w.Fields["Converted_Account"].(zsync.Lookup); ok {
			a, _ := e.srv.Record("Accounts", acc.ID)
			if norm(r.Fields["Converted_Account.Industry"]) != norm(a["Industry"]) && a["Industry"] != nil {
				t.Fatalf("lead %s Converted_Account.Industry %v, want %v", r.ID, r.Fields["Converted_Account.Industry"], a["Industry"])
			}
			related0++
		}
	}
	if named != len(got) || related0 == 0 {
		t.Fatalf("%d of %d owners with full name and email; %d related", named, len(got), related0)
	}
}

func TestCOQLIncrementalPagesThroughEqualModifiedTime(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 6000})
	c := e.client(t)
	e.srv.Advance(time.Hour)
	since := e.srv.Now()
	ids := e.srv.IDs("Deals")
	var touched []string
	for i := 0; i < len(ids); i += 2 { // 3,000 records share one Modified_Time: two pages
		e.srv.Touch("Deals", ids[i])
		touched = append(touched, ids[i])
	}
	e.srv.Advance(time.Second)
	later := e.srv.Create("Deals", map[string]any{"Deal_Name": "late", "Stage": "Qualification"})
	recs := readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Deal_Name"}, Since: since})
	noDupNoGap(t, recs, append(touched, later))
	for i := 1; i < len(recs); i++ {
		if recs[i].Modified.Before(recs[i-1].Modified) {
			t.Fatalf("not in Modified_Time order at %d", i)
		}
	}
	if st := c.Stats(); st.RecordCalls != 2 {
		t.Errorf("%d record calls, want 2", st.RecordCalls)
	}
}

func TestCOQLWhereRelatedAndCount(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 800, "Accounts": 60, "Contacts": 60})
	c := e.client(t)
	ctx := context.Background()
	where := "(Stage not in ('Closed Won', 'Closed Lost') and Account_Name.Industry is not null)"
	recs := readAll(t, c, "Deals", zsync.ReadOptions{
		Fields: []string{"Deal_Name", "Stage", "Account_Name", "Account_Name.Industry", "Contact_Name.Account_Name.Account_Name"},
		Where:  where})
	n, err := c.CountWhere(ctx, "Deals", where)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(recs) || n == 0 {
		t.Fatalf("CountWhere = %d, read %d", n, len(recs))
	}
	var want []string
	for _, id := range e.srv.IDs("Deals") {
		d, _ := e.srv.Record("Deals", id)
		acc, ok := d["Account_Name"].(map[string]any)
		if !ok || d["Stage"] == "Closed Won" || d["Stage"] == "Closed Lost" {
			continue
		}
		a, _ := e.srv.Record("Accounts", acc["id"].(string))
		if a["Industry"] != nil {
			want = append(want, id)
		}
	}
	noDupNoGap(t, recs, want)
	for _, r := range recs {
		d, _ := e.srv.Record("Deals", r.ID)
		acc := d["Account_Name"].(map[string]any)
		a, _ := e.srv.Record("Accounts", acc["id"].(string))
		if r.Fields["Account_Name.Industry"] != a["Industry"] {
			t.Fatalf("deal %s: Account_Name.Industry %v, want %v", r.ID, r.Fields["Account_Name.Industry"], a["Industry"])
		}
		if l := r.Fields["Account_Name"].(zsync.Lookup); l.Name != acc["name"] || l.ID != acc["id"] {
			t.Fatalf("deal %s: Account_Name %+v, want %v", r.ID, l, acc)
		}
		wantTwo := any(nil)
		if ct, ok := d["Contact_Name"].(map[string]any); ok {
			contact, _ := e.srv.Record("Contacts", ct["id"].(string))
			if ca, ok := contact["Account_Name"].(map[string]any); ok {
				wantTwo = ca["name"]
			}
		}
		if r.Fields["Contact_Name.Account_Name.Account_Name"] != wantTwo {
			t.Fatalf("deal %s: two relations %v, want %v", r.ID, r.Fields["Contact_Name.Account_Name.Account_Name"], wantTwo)
		}
	}
	// A filter on an incremental read: only changed records that match.
	e.srv.Advance(time.Hour)
	since := e.srv.Now()
	e.srv.Update("Deals", want[0], map[string]any{"Stage": "Closed Won"}) // leaves the filter
	e.srv.Touch("Deals", want[1])
	inc := readAll(t, c, "Deals", zsync.ReadOptions{Fields: []string{"Stage"}, Since: since, Where: where})
	if len(inc) != 1 || inc[0].ID != want[1] {
		t.Fatalf("incremental with filter read %v, want [%s]", ids(inc), want[1])
	}
	if all, err := c.CountWhere(ctx, "Deals", ""); err != nil || all != 800 {
		t.Fatalf("CountWhere all = %d, %v", all, err)
	}
	_, err = c.CountWhere(ctx, "Deals", "Stage = 'a' and Amount > 1 and Amount < 2")
	var ae *zoho.APIError
	if !errors.As(err, &ae) || ae.Code != "SYNTAX_ERROR" {
		t.Fatalf("unbracketed filter: %v", err)
	}
}

func TestCOQLFallsBackWhereItCannotServe(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 300, "Campaigns": 20, "Accounts": 10})
	ctx := context.Background()
	c := e.client(t)
	for _, tc := range []struct {
		module string
		fields []string
		path   string
		why    string
	}{
		{"Leads", []string{"Last_Name", "Owner"}, zoho.PathCOQL, ""},
		{"Leads", []string{"Last_Name", "Tag"}, zoho.PathGetRecords, "Tag"},
		{"Campaigns", []string{"Campaign_Name", "Partner_Accounts"}, zoho.PathGetRecords, "multiselectlookup"},
		{"Campaigns", []string{"Campaign_Image"}, zoho.PathGetRecords, "imageupload"},
	} {
		p, err := c.ReadPath(ctx, tc.module, tc.fields)
		if err != nil || p.Name != tc.path || !strings.Contains(p.Reason, tc.why) {
			t.Fatalf("%s %v: path %+v, %v", tc.module, tc.fields, p, err)
		}
		e.srv.ResetStats()
		recs := readAll(t, c, tc.module, zsync.ReadOptions{Fields: tc.fields})
		noDupNoGap(t, recs, e.srv.IDs(tc.module))
		st := e.srv.Stats()
		if coql := st.Calls["POST /crm/v8/coql"]; (coql > 0) != (tc.path == zoho.PathCOQL) || st.Codes["INVALID_QUERY"] > 0 {
			t.Fatalf("%s %v: %d COQL calls on path %s", tc.module, tc.fields, coql, tc.path)
		}
	}
	// A fallback still honours a filter and related fields (through COQL).
	recs := readAll(t, c, "Leads", zsync.ReadOptions{Fields: []string{"Tag", "Converted_Account.Account_Name"}, Where: "Converted__s = true"})
	if len(recs) == 0 {
		t.Fatal("no converted lead")
	}
	for _, r := range recs {
		l, _ := e.srv.Record("Leads", r.ID)
		if l["Converted__s"] != true {
			t.Fatalf("lead %s is not converted", r.ID)
		}
		if _, ok := r.Fields["Tag"]; !ok {
			t.Fatalf("lead %s has no Tag", r.ID)
		}
		if acc, ok := l["Converted_Account"].(map[string]any); ok && r.Fields["Converted_Account.Account_Name"] != acc["name"] {
			t.Fatalf("lead %s related %v, want %v", r.ID, r.Fields["Converted_Account.Account_Name"], acc["name"])
		}
	}
}

// A refresh token from before COQL lacks its scope: the read falls back to
// Get Records, says why, and keeps working.
func TestCOQLScopeMissingFallsBack(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 500})
	creds := e.srv.Credentials()
	old := e.srv.NewRefreshToken("ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ", "ZohoCRM.settings.fields.READ", "ZohoCRM.bulk.read")
	for _, fields := range [][]string{{"Deal_Name"}, {"Deal_Name", "Owner"}} {
		c := e.client(t, zoho.WithCredentials(zoho.Credentials{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: old}))
		recs := readAll(t, c, "Deals", zsync.ReadOptions{Fields: fields})
		noDupNoGap(t, recs, e.srv.IDs("Deals"))
		p, _ := c.ReadPath(context.Background(), "Deals", fields)
		if p.Name != zoho.PathGetRecords || !strings.Contains(p.Reason, "zoho2sheets auth") {
			t.Fatalf("path after a refusal: %+v", p)
		}
		if !strings.Contains(e.logs.String(), "run `zoho2sheets auth` again") {
			t.Fatal("no warning logged")
		}
		_, err := collectErr(c.Records(context.Background(), "Deals", zsync.ReadOptions{Fields: fields, Where: "Stage = 'Closed Won'"}))
		if err == nil || !strings.Contains(err.Error(), "filter needs COQL") {
			t.Fatalf("a filter without COQL: %v", err)
		}
	}
}

// BenchmarkFullRead reads a whole module through each path: record calls,
// credits and wall time (in-process emulator, no network latency: at
// Zoho's latency of a few hundred ms per call, the calls dominate).
func BenchmarkFullRead(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		e := newEmulator(b, map[string]int{"Deals": n, "Accounts": 100, "Contacts": 100})
		for _, path := range []string{zoho.PathGetRecords, zoho.PathCOQL} {
			b.Run(fmt.Sprintf("%s/%d", path, n), func(b *testing.B) {
				var st zoho.Stats
				for b.Loop() {
					var opts []zoho.Option
					if path == zoho.PathGetRecords {
						opts = append(opts, zoho.WithoutCOQL())
					}
					c := e.client(b, opts...)
					read := 0
					for _, err := range c.Records(context.Background(), "Deals", zsync.ReadOptions{
						Fields: []string{"Deal_Name", "Amount", "Stage", "Closing_Date", "Account_Name", "Owner", "Modified_Time"}}) {
						if err != nil {
							b.Fatal(err)
						}
						read++
					}
					if read != n {
						b.Fatalf("read %d of %d", read, n)
					}
					st = c.Stats()
				}
				if path == zoho.PathCOQL && n == 100_000 && st.RecordCalls > 55 {
					b.Errorf("%d record calls for 100,000 records, want at most 55", st.RecordCalls)
				}
				b.ReportMetric(float64(st.RecordCalls), "record-calls")
				b.ReportMetric(float64(st.Calls), "calls")
				b.ReportMetric(float64(st.Credits), "credits")
			})
		}
	}
}

// No fields (or only id) is a cheap id scan: ids and Modified_Time only.
func TestCOQLIDScan(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 2500})
	c := e.client(t)
	for _, fields := range [][]string{nil, {"id"}} {
		recs := readAll(t, c, "Leads", zsync.ReadOptions{Fields: fields})
		noDupNoGap(t, recs, e.srv.IDs("Leads"))
		for _, r := range recs {
			if len(r.Fields) != 2 || r.Fields["id"] != r.ID || r.Modified.IsZero() {
				t.Fatalf("record %s: %v", r.ID, r.Fields)
			}
		}
	}
	if st := c.Stats(); st.RecordCalls != 4 {
		t.Errorf("%d record calls, want 2 per scan", st.RecordCalls)
	}
}

// A COQL answer that ignores the paging condition (the same page, more to
// come) must end the read with an error, not loop (50 such answers, then
// the real ones: a reader that loops ends without the error).
func TestCOQLStuckPageStops(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 3})
	c := e.client(t)
	e.srv.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", Status: http.StatusOK, Times: 50, ContentType: "application/json",
		Body: `{"data":[{"id":"1","Modified_Time":"2026-01-01T00:00:00+00:00","Deal_Name":"x"}],"info":{"count":1,"more_records":true}}`})
	for _, opts := range []zsync.ReadOptions{
		{Fields: []string{"Deal_Name"}},
		{Fields: []string{"Deal_Name"}, Since: e.srv.Now().Add(-time.Hour)},
	} {
		var n int
		var err error
		for _, err = range c.Records(context.Background(), "Deals", opts) {
			if n++; err != nil || n > 10 {
				break
			}
		}
		var pe *zoho.PagingError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), "same page twice") {
			t.Errorf("since %v: after %d items: %v, want the same-page error", opts.Since, n, err)
		}
	}
}
