package sheets_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func TestEmulatorDryRunDiff(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	dated := append(append([]zsync.Column(nil), cols...), zsync.Column{Header: "Closing", Kind: zsync.KindDate})
	day := func(d int) zsync.Cell { return zsync.DateCell(zsync.Date{Year: 2026, Month: time.March, Day: d}) }
	row := func(id, name string, amt float64, d int) zsync.Row {
		r := rec(id, name, amt)
		r.Cells = append(r.Cells, day(d))
		return r
	}
	tb := &zsync.Table{Sheet: "Leads", Columns: dated, Key: 0, Full: true,
		Rows: []zsync.Row{row("1", "Acme", 10, 1), row("2", "Beta", 20, 2), row("3", "Gamma", 30, 3)}}
	e.upsert(t, tb)
	before := e.text("Leads")

	tb.Rows = []zsync.Row{row("1", "Acme GmbH", 10, 5), row("2", "Beta", 25, 2), row("4", "Delta", 40, 4), row("5", "Eps", 50, 4)}
	res, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{DryRun: true, DiffLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := &zsync.Diff{
		Added:   []string{"4", "5"},
		Removed: []string{"3"},
		Changes: []zsync.CellChange{
			{Key: "1", Column: "Name", Old: "Acme", New: "Acme GmbH"},
			{Key: "1", Column: "Closing", Old: "2026-03-01", New: "2026-03-05"},
		},
		MoreChanges: 1, // Beta's amount
	}
	if d := cmp.Diff(want, res.Diff); d != "" {
		t.Fatalf("diff (-want +got):\n%s", d)
	}
	if res.Added != 2 || res.Removed != 1 || res.Updated != 2 {
		t.Fatalf("counts %+v", res)
	}
	if d := cmp.Diff(before, e.text("Leads")); d != "" {
		t.Fatalf("a dry run wrote:\n%s", d)
	}
	// No limit, no diff; a real run carries none either.
	if res, _ := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{DryRun: true}); res.Diff != nil {
		t.Fatalf("diff without a limit: %+v", res.Diff)
	}
}
