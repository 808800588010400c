package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// COQL answers cut off half-way (records already passed on) are asked
// again: with a filter, over two pages, in a full and an incremental run,
// every deal is in the tab exactly once with its latest name.
func TestQA14COQLCutMidPage(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 2100})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Deals
    filter: Stage is not null
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name }
`)
	check := func(run int) {
		t.Helper()
		header, rows := tab(t, em, "Deals", "Zoho ID")
		ids := em.zoho.IDs("Deals")
		slices.Sort(ids)
		if got := sortedKeys(rows); !slices.Equal(got, ids) {
			t.Fatalf("run %d: %d rows, want the CRM's %d deals", run, len(got), len(ids))
		}
		for _, id := range ids {
			rec, _ := em.zoho.Record("Deals", id)
			if got := str(cell(header, rows[id], "Deal")); got != str(rec["Deal_Name"]) {
				t.Fatalf("run %d: deal %s named %q, want %q", run, id, got, rec["Deal_Name"])
			}
		}
	}
	for run := 0; run < 2; run++ {
		em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Deals ", CutBody: true})
		em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Deals ", After: 1, CutBody: true})
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--log-format", "json")
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, code, stderr)
		}
		if n := em.zoho.PendingFaults(); n != 0 {
			t.Fatalf("run %d: %d cuts not met", run, n)
		}
		if run == 1 && !strings.Contains(stderr, `"mode":"incremental"`) {
			t.Fatalf("run %d was not incremental", run)
		}
		check(run)
		em.zoho.Advance(time.Hour)
		for i, id := range em.zoho.IDs("Deals")[:2050] {
			em.zoho.Update("Deals", id, map[string]any{"Deal_Name": "Renamed " + id})
			if i%500 == 0 {
				em.zoho.Advance(time.Second) // several times, in order
			}
		}
	}
}

// Zoho's COQL paging misbehaves on the second page of a full read (the
// first page again, or an empty page saying more follow): the tab is left
// as it was (no half-written sheet), the run says so, and the next run
// completes it.
func TestQA14COQLPagingGuardLeavesTheTab(t *testing.T) {
	for _, pf := range []zohotest.PagingFault{zohotest.PageRepeated, zohotest.PageEmpty} {
		em := newEmulators(t, map[string]int{"Deals": 2100})
		cfg := writeMapping(t, "spreadsheet_id: ${SPREADSHEET_ID}\nmodules:\n  - module: Deals\n    columns:\n      - { header: Zoho ID, field: id }\n      - { header: Deal, field: Deal_Name }\n")
		em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/coql", BodyContains: "from Deals ", After: 1, Paging: pf, Times: -1})
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
		if code != 1 || !strings.Contains(stderr, "paging misbehaved") {
			t.Fatalf("%s: exit %d\n%s", pf, code, stderr)
		}
		for _, p := range em.sheets.Sheets(em.spreadsheetID) {
			if p.Title == "Deals" {
				t.Fatalf("%s: a tab was written from a broken read:\n%s", pf, em.sheets.Table(em.spreadsheetID, "Deals"))
			}
		}
		em.zoho.ClearFaults()
		if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
			t.Fatalf("%s: rerun exit %d\n%s", pf, code, stderr)
		}
		if _, rows := tab(t, em, "Deals", "Zoho ID"); len(rows) != 2100 {
			t.Fatalf("%s: %d rows", pf, len(rows))
		}
	}
}
