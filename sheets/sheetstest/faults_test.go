package sheetstest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/googleapis/gax-go/v2/apierror"
	"google.golang.org/api/sheets/v4"
)

func TestQuotaPerUserPerMinute(t *testing.T) {
	modes(t, Options{WriteQuota: 3, ReadQuota: 2}, func(t *testing.T, e *env) {
		write := func() error {
			_, err := e.svc.Spreadsheets.Values.BatchUpdate(e.id, &sheets.BatchUpdateValuesRequest{ValueInputOption: "RAW",
				Data: []*sheets.ValueRange{{Range: "A1", Values: [][]any{{1}}}, {Range: "B1", Values: [][]any{{2}}}}}).Do()
			return err
		}
		read := func() error { _, err := e.svc.Spreadsheets.Values.Get(e.id, "A1").Do(); return err }
		for i := 0; i < 3; i++ {
			if err := write(); err != nil { // a batch is one request
				t.Fatalf("write %d: %v", i, err)
			}
		}
		ge := apiErr(t, write(), 429)
		if !strings.Contains(ge.Message, "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user'") ||
			!strings.Contains(string(ge.Body), `"status":"RESOURCE_EXHAUSTED"`) {
			t.Fatalf("429: %s", ge.Body)
		}
		var ae *apierror.APIError
		if !errors.As(ge, &ae) || ae.Reason() != "RATE_LIMIT_EXCEEDED" || ae.Metadata()["quota_limit"] != "WriteRequestsPerMinutePerUser" {
			t.Fatalf("ErrorInfo: %v", ae)
		}
		// Reads have their own bucket.
		for i := 0; i < 2; i++ {
			if err := read(); err != nil {
				t.Fatal(err)
			}
		}
		ge = apiErr(t, read(), 429)
		var ae2 *apierror.APIError
		if !errors.As(ge, &ae2) || ae2.Metadata()["quota_limit"] != "ReadRequestsPerMinutePerUser" {
			t.Fatalf("read quota: %s", ge.Body)
		}
		e.srv.Advance(time.Minute)
		if err := write(); err != nil {
			t.Fatalf("after a minute: %v", err)
		}
		st := e.srv.Stats()
		if st.Writes != 4 || st.Reads != 2 || st.QuotaExceeded != 2 || st.Methods["spreadsheets.values.batchUpdate"] != 4 || st.CellsWritten != 8 || st.Statuses[429] != 2 {
			t.Fatalf("stats: %+v", st)
		}
	})
}

func TestInjectedFaults(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		var slept []time.Duration
		var mu sync.Mutex
		e.srv.opts.Sleep = func(d time.Duration) { mu.Lock(); slept = append(slept, d); mu.Unlock() }
		get := func() error { _, err := e.svc.Spreadsheets.Values.Get(e.id, "A1").Do(); return err }
		update := func(v string) error {
			_, err := e.svc.Spreadsheets.Values.Update(e.id, "A1", &sheets.ValueRange{Values: [][]any{{v}}}).ValueInputOption("RAW").Do()
			return err
		}

		e.srv.InjectFault(Fault{Path: "/values/", Method: "GET", Status: 503, Times: 2})
		apiErr(t, get(), 503)
		apiErr(t, get(), 503)
		if err := get(); err != nil {
			t.Fatalf("third call: %v", err)
		}

		e.srv.InjectFault(Fault{Status: 500})
		if ge := apiErr(t, update("x"), 500); !strings.Contains(string(ge.Body), `"status":"INTERNAL"`) {
			t.Fatal(string(ge.Body))
		}
		e.srv.InjectFault(Fault{Status: 429, Path: "/values/"})
		var ae *apierror.APIError
		if err := update("x"); !errors.As(err, &ae) || ae.Reason() != "RATE_LIMIT_EXCEEDED" {
			t.Fatalf("injected 429: %v", err)
		}
		if e.srv.Cell(e.id, "Sheet1", 0, 0).Value != nil {
			t.Fatal("a failed write was applied")
		}

		e.srv.InjectFault(Fault{Drop: true, Path: "/values/"})
		if err := update("dropped"); err == nil || errors.As(err, new(*apierror.APIError)) {
			t.Fatalf("drop: want a transport error, got %v", err)
		}
		if e.srv.Cell(e.id, "Sheet1", 0, 0).Value != nil {
			t.Fatal("a dropped write was applied")
		}
		// A write that succeeded but whose answer was lost.
		e.srv.InjectFault(Fault{Drop: true, AfterApply: true, Path: "/values/"})
		if err := update("applied"); err == nil {
			t.Fatal("AfterApply drop: no error")
		}
		if v := e.srv.Cell(e.id, "Sheet1", 0, 0).Value; v != "applied" {
			t.Fatalf("AfterApply: cell %v", v)
		}
		e.srv.InjectFault(Fault{Latency: 250 * time.Millisecond})
		if err := get(); err != nil {
			t.Fatal(err)
		}
		if len(slept) != 1 || slept[0] != 250*time.Millisecond {
			t.Fatalf("latency: %v", slept)
		}
		if st := e.srv.Stats(); st.Faults != 6 {
			t.Fatalf("faults served: %d", st.Faults)
		}
	})
}

// TestOnRequestHumanMidRun: a person sorts the sheet between a client's
// read and its write; the write lands on whatever is at that row now.
func TestOnRequestHumanMidRun(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		addSheet(t, e, "Leads", 10, 3)
		must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, &sheets.Request{UpdateSheetProperties: &sheets.UpdateSheetPropertiesRequest{
			Properties: &sheets.SheetProperties{SheetId: e.srv.Sheets(e.id)[1].ID, GridProperties: &sheets.GridProperties{FrozenRowCount: 1}}, Fields: "gridProperties.frozenRowCount"}}))
		put(t, e, "Leads!A1", "RAW", [][]any{{"id", "name"}, {"z2", "Beta"}, {"z1", "Acme"}})
		var once sync.Once
		e.srv.OnRequest(func(r *http.Request) {
			if r.Method == http.MethodPut {
				once.Do(func() { e.srv.SortRows(e.id, "Leads", 0, true) })
			}
		})
		rows := must[*sheets.ValueRange](t)(e.svc.Spreadsheets.Values.Get(e.id, "Leads!A2:A").Do())
		if rows.Values[0][0] != "z2" {
			t.Fatal(rows.Values)
		}
		put(t, e, "Leads!B2", "RAW", [][]any{{"Beta Ltd"}}) // meant for z2, now lands on z1
		e.srv.OnRequest(nil)
		got := e.srv.Values(e.id, "Leads")
		if got[1][0] != "z1" || got[1][1] != "Beta Ltd" || got[2][0] != "z2" {
			t.Fatalf("after the sort: %v", got)
		}
	})
}

func TestHumanActions(t *testing.T) {
	srv, _ := NewServer(Options{NoListener: true})
	id := srv.CreateSpreadsheet("CRM", "UTC")
	srv.SetCell(id, "Sheet1", 0, 0, "id")
	srv.SetCell(id, "Sheet1", 0, 1, "Name")
	for i, n := range []string{"Cid", "Abe", "Bea"} {
		srv.SetCell(id, "Sheet1", i+1, 0, float64(i+1))
		srv.SetCell(id, "Sheet1", i+1, 1, n)
	}
	srv.SetCell(id, "Sheet1", 1, 2, "=HYPERLINK(\"http://x\",\"link\")")
	srv.SetCell(id, "Sheet1", 2, 2, time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC))
	check := func(step string, want [][]any) {
		t.Helper()
		if got := srv.Values(id, "Sheet1"); !equalRows(got, want) {
			t.Fatalf("%s:\n got %v\nwant %v\n%s", step, got, want, srv.Table(id, "Sheet1"))
		}
	}
	check("typed", [][]any{{"id", "Name"}, {1.0, "Cid", "link"}, {2.0, "Abe", 45306.4375}, {3.0, "Bea"}})
	if c := srv.Cell(id, "Sheet1", 1, 2); c.Formula == "" || c.Value != "link" {
		t.Fatalf("formula cell: %+v", c)
	}
	if c := srv.Cell(id, "Sheet1", 2, 2); !c.IsDate() || c.Formatted != "2024-01-15 10:30:00" {
		t.Fatalf("date cell: %+v", c)
	}
	// No frozen row: the whole sheet is sorted, header included.
	srv.SortRows(id, "Sheet1", 1, true)
	check("sorted unfrozen", [][]any{{2.0, "Abe", 45306.4375}, {3.0, "Bea"}, {1.0, "Cid", "link"}, {"id", "Name"}})
	srv.SortRows(id, "Sheet1", 0, false)
	check("sorted desc", [][]any{{"id", "Name"}, {3.0, "Bea"}, {2.0, "Abe", 45306.4375}, {1.0, "Cid", "link"}})
	srv.InsertRows(id, "Sheet1", 1, 2)
	check("inserted", [][]any{{"id", "Name"}, {}, {}, {3.0, "Bea"}, {2.0, "Abe", 45306.4375}, {1.0, "Cid", "link"}})
	srv.DeleteRows(id, "Sheet1", 1, 2)
	srv.InsertColumn(id, "Sheet1", 1, "Next step")
	check("column", [][]any{{"id", "Next step", "Name"}, {3.0, "", "Bea"}, {2.0, "", "Abe", 45306.4375}, {1.0, "", "Cid", "link"}})
	srv.MoveColumn(id, "Sheet1", 0, 2)
	check("moved right", [][]any{{"Next step", "Name", "id"}, {"", "Bea", 3.0}, {"", "Abe", 2.0, 45306.4375}, {"", "Cid", 1.0, "link"}})
	srv.MoveColumn(id, "Sheet1", 3, 0)
	check("moved left", [][]any{{"", "Next step", "Name", "id"}, {"", "", "Bea", 3.0}, {45306.4375, "", "Abe", 2.0}, {"link", "", "Cid", 1.0}})
	if in := srv.Sheets(id)[0]; in.Rows != 1000 || in.Columns != 27 {
		t.Fatalf("grid %+v", in)
	}
	tab := srv.Table(id, "Sheet1")
	for _, want := range []string{"Sheet1 — 4 of 1000 rows used, 27 columns", "| Next step |", "| 2024-01-15 10:30:00 |", "| link "} {
		if !strings.Contains(tab, want) {
			t.Fatalf("table lacks %q:\n%s", want, tab)
		}
	}
	t.Log("\n" + tab)
}

func equalRows(a, b [][]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// A hung write is never applied; a stalled one is applied, but its answer
// never arrives. Either way the client only sees its own cancellation,
// here once the emulator is seen to hold the write (the stalled one a
// moment later, time for an answer that should not come): no deadline
// races the emulator's work on a loaded machine.
func TestHangAndStallFaults(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		write := func(ctx context.Context, v int) error {
			_, err := e.svc.Spreadsheets.Values.Update(e.id, "A1", &sheets.ValueRange{Values: [][]any{{v}}}).
				ValueInputOption("RAW").Context(ctx).Do()
			return err
		}
		// cancelWhen is a context cancelled once cond holds (or after 10 s).
		cancelWhen := func(cond func() bool, grace time.Duration) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go func() {
				defer cancel()
				for deadline := time.Now().Add(10 * time.Second); !cond() && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(grace)
			}()
			return ctx
		}
		a1 := func() any { return e.srv.Values(e.id, "Sheet1")[0][0] }
		if err := write(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		e.srv.InjectFault(Fault{Path: "/values/", Hang: true})
		held := func() bool { return e.srv.Stats().Faults == 1 }
		if err := write(cancelWhen(held, 0), 2); !errors.Is(err, context.Canceled) {
			t.Fatalf("hung write: %v, want the client's cancellation", err)
		}
		if got := a1(); got != float64(1) {
			t.Fatalf("a hung write was applied: %v", got)
		}
		e.srv.InjectFault(Fault{Path: "/values/", Stall: true})
		applied := func() bool { return e.srv.Stats().Faults == 2 && a1() == float64(3) }
		if err := write(cancelWhen(applied, 50*time.Millisecond), 3); !errors.Is(err, context.Canceled) {
			t.Fatalf("stalled write: %v, want the client's cancellation", err)
		}
		if got := a1(); got != float64(3) {
			t.Fatalf("a stalled write was not applied: %v", got)
		}
		if st := e.srv.Stats(); st.Faults != 2 {
			t.Fatalf("faults %d, want 2", st.Faults)
		}
	})
}
