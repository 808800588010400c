package sheets_test

import (
	"context"
	"strings"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func TestEmulatorStatusTab(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	e.upsert(t, tbl(rec("1", "Acme", 10), rec("2", "Beta", 20)))
	ok := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC) // 06:00 in Berlin
	rows := []zsync.TabStatus{
		{Tab: "Leads", Module: "Leads", KeyHeader: "Id", LastSuccess: ok, Records: 2, Added: 2, OK: true, Result: "ok",
			NextRun: ok.Add(24 * time.Hour)},
		{Tab: "Deals", Module: "Deals", KeyHeader: "Id", Result: "failed since 2026-12-01 06:00: Zoho refresh token revoked — run zoho2sheets auth"},
	}
	ctx := context.Background()
	if err := e.ss.WriteStatus(ctx, "Sync status", rows); err != nil {
		t.Fatal(err)
	}
	got := e.text("Sync status")
	if len(got) != 3 || strings.Join(got[0], "|") != "Tab|Module|Last successful sync|Records|Added|Updated|Removed|Result|Next run" {
		t.Fatalf("status tab:\n%s", e.srv.Table(e.id, "Sync status"))
	}
	if c := e.srv.Cell(e.id, "Sync status", 1, 2); !c.IsDate() || c.Formatted != "2026-12-01 06:00" {
		t.Errorf("last success %+v", c)
	}
	if c := e.srv.Cell(e.id, "Sync status", 2, 2); c.Value != nil {
		t.Errorf("never succeeded: %+v", c)
	}
	if c := e.srv.Cell(e.id, "Sync status", 2, 7); !strings.HasPrefix(c.Formatted, "failed since 2026-12-01 06:00: Zoho refresh token revoked") {
		t.Errorf("result %+v", c)
	}
	if c := e.srv.Cell(e.id, "Leads", 0, 0); c.Note != "Synced from Zoho CRM Leads · updated 2026-12-01 06:00" || c.Value != "Id" {
		t.Errorf("key header %+v", c)
	}
	if e.sheet(t, "Sync status").FrozenRows != 1 {
		t.Error("status header not frozen")
	}

	// A person sorts the status tab by Tab, adds a comment column and a note.
	e.srv.SortRows(e.id, "Sync status", 0, true)
	e.srv.InsertColumn(e.id, "Sync status", 1, "Owner")
	for r, row := range e.srv.Values(e.id, "Sync status") {
		if row[0] == "Deals" {
			e.srv.SetCell(e.id, "Sync status", r, 1, "Maria")
		}
	}
	w := e.srv.Stats().Writes
	later := ok.Add(24 * time.Hour)
	rows[0].LastSuccess, rows[0].Added, rows[0].Updated = later, 0, 1
	rows[1].Result, rows[1].OK, rows[1].LastSuccess, rows[1].Records = "ok", true, later, 7
	if err := e.ss.WriteStatus(ctx, "Sync status", rows); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().Writes - w; n != 1 {
		t.Errorf("the status took %d write requests, want 1", n)
	}
	got = e.text("Sync status")
	if len(got) != 3 {
		t.Fatalf("rows duplicated or lost:\n%s", e.srv.Table(e.id, "Sync status"))
	}
	byTab := map[string][]string{}
	for _, r := range got[1:] {
		byTab[r[0]] = r
	}
	if byTab["Deals"][1] != "Maria" || byTab["Deals"][8] != "ok" || byTab["Deals"][4] != "7" || byTab["Leads"][6] != "1" {
		t.Errorf("after a sort:\n%s", e.srv.Table(e.id, "Sync status"))
	}
	if f := e.srv.Formulas(e.id, "Sync status"); len(f) != 0 {
		t.Errorf("formulas %v", f)
	}
}
