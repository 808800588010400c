package sheets_test

import (
	"context"
	"errors"
	"testing"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// A person renamed a synced column's header: an incremental upsert writes
// nothing and says which column is missing (the job then reads in full);
// a full one adds the column back, filled for every record.
func TestEmulatorUpsertColumnRenamedByAPerson(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20)))
	e.srv.SetCell(e.id, "Leads", 0, 1, "Customer")
	w := e.srv.Stats().Writes
	_, err := e.ss.Upsert(context.Background(), tbl(rec("2", "Beta", 25)), zsync.UpsertOptions{})
	var missing *zsync.ColumnsMissingError
	if !errors.As(err, &missing) || len(missing.Headers) != 1 || missing.Headers[0] != "Name" {
		t.Fatalf("err %v, want the Name column missing", err)
	}
	if got := e.srv.Stats().Writes - w; got != 0 {
		t.Fatalf("%d writes before the error", got)
	}
	full := tbl(rec("1", "Acme", 10), rec("2", "Beta", 25))
	full.Full = true
	e.upsert(t, full)
	e.want(t, [][]string{{"Id", "Customer", "Amount", "Name"}, {"1", "Acme", "10", "Acme"}, {"2", "Beta", "25", "Beta"}})
}

// A person emptied the tab: an incremental upsert writes nothing and says
// so (the job then reads in full).
func TestEmulatorUpsertTabEmptiedByAPerson(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20)))
	for r := range 3 {
		for c := range 3 {
			e.srv.SetCell(e.id, "Leads", r, c, nil)
		}
	}
	w := e.srv.Stats().Writes
	_, err := e.ss.Upsert(context.Background(), tbl(rec("2", "Beta", 25)), zsync.UpsertOptions{})
	var missing *zsync.ColumnsMissingError
	if !errors.As(err, &missing) || !missing.Emptied || e.srv.Stats().Writes != w {
		t.Fatalf("err %v after %d writes, want the tab found empty and nothing written", err, e.srv.Stats().Writes-w)
	}
}
