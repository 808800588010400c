package sheets_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func snapTable(day int, keepFrom int, rows ...zsync.Row) *zsync.Table {
	st := &zsync.SnapshotTable{Date: zsync.Date{Year: 2026, Month: time.December, Day: day}}
	if keepFrom > 0 {
		st.Cutoff = zsync.Date{Year: 2026, Month: time.December, Day: keepFrom}
	}
	return &zsync.Table{Sheet: "History", Columns: cols, Key: 0, Rows: rows, Snapshot: st}
}

// snapRows lists the History tab's data rows as "date id name amount", sorted.
func snapRows(t *testing.T, e *env) []string {
	t.Helper()
	vals := e.srv.Values(e.id, "History")
	if len(vals) == 0 {
		t.Fatal("no History tab")
	}
	var out []string
	for r, row := range vals[1:] {
		c := e.srv.Cell(e.id, "History", r+1, 0)
		s := c.Formatted
		for _, v := range row[1:] {
			s += " " + fmt.Sprint(v)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestEmulatorSnapshotsAreIdempotentAndPruned(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	ctx := context.Background()
	e.upsert(t, snapTable(7, 0, rec("1", "Acme", 10), rec("2", "Beta", 20)))
	if h := e.srv.Values(e.id, "History")[0]; fmt.Sprint(h) != "[Snapshot Id Name Amount]" {
		t.Fatalf("header %v", h)
	}
	if c := e.srv.Cell(e.id, "History", 0, 0); !c.Bold {
		t.Fatalf("Snapshot header %+v", c)
	}
	if c := e.srv.Cell(e.id, "History", 1, 0); !c.IsDate() || c.Formatted != "2026-12-07" {
		t.Fatalf("stamp %+v", c)
	}
	// A rerun in the same period updates that period's rows in place.
	res := e.upsert(t, snapTable(7, 0, rec("1", "Acme", 15), rec("2", "Beta", 20), rec("3", "Gamma", 30)))
	if res.Added != 1 || res.Updated != 1 || res.Unchanged != 1 || res.Removed != 0 {
		t.Fatalf("rerun %+v", res)
	}
	want := []string{"2026-12-07 1 Acme 15", "2026-12-07 2 Beta 20", "2026-12-07 3 Gamma 30"}
	if got := snapRows(t, e); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after a rerun:\n%s", strings.Join(got, "\n"))
	}

	// Next day: a crash after the structural write, before the values.
	e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: http.StatusBadRequest})
	next := snapTable(8, 0, rec("1", "Acme", 16), rec("2", "Beta", 21), rec("3", "Gamma", 31))
	if _, err := e.ss.Upsert(ctx, next, zsync.UpsertOptions{}); err == nil {
		t.Fatal("the injected failure did not fail the upsert")
	}
	// Then one whose values landed but whose answer was lost.
	e.srv.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: http.StatusBadRequest, AfterApply: true})
	if _, err := e.ss.Upsert(ctx, next, zsync.UpsertOptions{}); err == nil {
		t.Fatal("the injected failure did not fail the upsert")
	}
	e.upsert(t, next) // the rerun
	e.upsert(t, next) // and once more, in the same period
	want = append(want, "2026-12-08 1 Acme 16", "2026-12-08 2 Beta 21", "2026-12-08 3 Gamma 31")
	if got := snapRows(t, e); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after a crash and reruns:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A person's row without a stamp, and a sort, survive; keep prunes.
	e.srv.InsertRows(e.id, "History", 1, 1)
	e.srv.SetCell(e.id, "History", 1, 1, "note: Q4 target 1M")
	e.srv.SortRows(e.id, "History", 2, true)
	res = e.upsert(t, snapTable(9, 8, rec("1", "Acme", 17)))
	if res.Removed != 3 || res.Added != 1 {
		t.Fatalf("pruning run %+v", res)
	}
	want = []string{" note: Q4 target 1M", "2026-12-08 1 Acme 16", "2026-12-08 2 Beta 21", "2026-12-08 3 Gamma 31", "2026-12-09 1 Acme 17"}
	if got := snapRows(t, e); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after keep:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if f := e.srv.Formulas(e.id, "History"); len(f) != 0 {
		t.Fatalf("formulas %v", f)
	}
}
