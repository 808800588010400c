package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// A sales team's weeks with the sheet they open every morning: a yen org,
// a percent column, links on the id column, a person's own formats and
// notes, CRM text that looks like a formula, and a dry run that must not
// send a single write.
func TestQA12SalesTeamSheet(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 4})
	em.zoho.SetOrg(zohotest.Org{ISOCode: "JPY", CurrencySymbol: "¥", Currency: "Japanese Yen - JPY"})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
timezone: Asia/Tokyo
modules:
  - module: Deals
    sheet: Pipeline
    columns:
      - { header: Zoho ID, field: id, link: true }
      - { header: Deal, field: Deal_Name }
      - { header: Amount, field: Amount }
      - { header: Probability, field: Probability }
`)
	run := func(args ...string) (string, string) {
		t.Helper()
		code, stdout, stderr := inProcess(t, em, nil, append([]string{"--once", "--config", cfg}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		return stdout, stderr
	}
	// A person wrote a note on the key header before the first sync? No:
	// the tab does not exist yet. First run.
	run()
	amount := em.sheets.Cell(em.spreadsheetID, "Pipeline", 1, 2)
	if !strings.Contains(amount.NumberFormat.Pattern, "¥") || strings.Contains(amount.NumberFormat.Pattern, "$") {
		t.Fatalf("amount in a yen org: %+v", amount)
	}
	prob := em.sheets.Cell(em.spreadsheetID, "Pipeline", 1, 3)
	id := em.sheets.Cell(em.spreadsheetID, "Pipeline", 1, 0)
	rec, _ := em.zoho.Record("Deals", id.Value.(string))
	p, ok := rec["Probability"].(float64)
	if !ok {
		t.Fatalf("no probability in %v", rec)
	}
	// Zoho sends 25 for 25 %: the cell keeps 25 and shows 25.00%.
	if prob.Value != p || prob.Formatted != fmt.Sprintf("%.2f%%", p) {
		t.Fatalf("probability %v shown as %+v", p, prob)
	}
	if !strings.HasPrefix(id.Link, "https://crm.zoho.") || !strings.HasSuffix(id.Link, "/tab/Potentials/"+id.Value.(string)) {
		t.Fatalf("id link %+v", id)
	}

	// The sales-ops admin prefers amounts without a symbol; a rep writes a
	// note on the key header; a deal is created whose name looks like a
	// formula.
	em.sheets.FormatColumn(em.spreadsheetID, "Pipeline", 2, 1, "NUMBER", "#,##0")
	em.zoho.Advance(time.Hour)
	nid := em.zoho.Create("Deals", map[string]any{"Deal_Name": "=IMPORTXML(\"http://x\";\"//a\")", "Stage": "Qualification", "Amount": 1200.0})
	run()
	// (New rows get the mapping's format again: README says so; a
	// `format:` in the mapping is the way to change it for good.)
	for r := 1; r <= 4; r++ {
		c := em.sheets.Cell(em.spreadsheetID, "Pipeline", r, 2)
		if c.Value != nil && c.NumberFormat.Pattern != "#,##0" {
			t.Fatalf("row %d: the admin's amount format was overridden: %+v", r, c)
		}
	}
	if f := em.sheets.Formulas(em.spreadsheetID, "Pipeline"); len(f) != 0 {
		t.Fatalf("formulas in the tab: %v", f)
	}
	var linked bool
	for r := 1; r <= 5; r++ {
		c := em.sheets.Cell(em.spreadsheetID, "Pipeline", r, 0)
		if c.Value == nid {
			linked = strings.HasSuffix(c.Link, "/"+nid)
		}
	}
	if !linked {
		t.Fatalf("the new deal's id has no link:\n%s", em.sheets.Table(em.spreadsheetID, "Pipeline"))
	}

	// A dry run sends no write at all: no data, no status, no lease.
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Deals", nid, map[string]any{"Deal_Name": "Big \x1b[2Jdeal"})
	em.sheets.ResetStats()
	run("--dry-run")
	for m, n := range em.sheets.Stats().Methods {
		if n > 0 && (strings.Contains(m, "batchUpdate") || strings.Contains(m, "update") || strings.Contains(m, "append") || strings.Contains(m, "clear")) {
			t.Fatalf("a dry run called %s %d times", m, n)
		}
	}
}

// The status tab over weeks: a person adds a column of their own in front,
// sorts it, deletes it; a mirror and a history tab of one module each get
// their own row.
func TestQA12StatusTabPeopleEdit(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 3})
	cfg := writeMapping(t, pipelineMapping)
	run := func() {
		t.Helper()
		if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
	}
	run()
	statusRow(t, em, "Pipeline")
	statusRow(t, em, "Pipeline history")
	em.sheets.InsertColumn(em.spreadsheetID, "Sync status", 0, "Owner of the tab")
	em.sheets.SetCell(em.spreadsheetID, "Sync status", 1, 0, "Maria")
	em.sheets.SortRows(em.spreadsheetID, "Sync status", 1, false)
	em.zoho.Advance(24 * time.Hour)
	run()
	vals := em.sheets.Values(em.spreadsheetID, "Sync status")
	if len(vals) != 3 || vals[0][0] != "Owner of the tab" {
		t.Fatalf("status tab after a person's column and sort:\n%s", em.sheets.Table(em.spreadsheetID, "Sync status"))
	}
	var maria bool
	for _, r := range vals[1:] {
		if len(r) > 8 && r[0] == "Maria" {
			maria = true
		}
		if len(r) < 9 || r[8] != "ok" {
			t.Fatalf("row %v", r)
		}
	}
	if !maria {
		t.Fatalf("the person's cell was lost:\n%s", em.sheets.Table(em.spreadsheetID, "Sync status"))
	}
	em.sheets.DeleteSheet(em.spreadsheetID, "Sync status")
	em.zoho.Advance(24 * time.Hour)
	run()
	statusRow(t, em, "Pipeline history")
}

// A note a person wrote on the key header stays: the freshness line is
// put above it, and replaced (not repeated) on the next runs.
func TestQA12FreshnessNoteKeepsAPersonsNote(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 3})
	cfg := writeMapping(t, pipelineMapping)
	run := func() (note, stderr string) {
		t.Helper()
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		return em.sheets.Cell(em.spreadsheetID, "Pipeline", 0, 0).Note, stderr
	}
	first, _ := run()
	if !strings.HasPrefix(first, "Synced from Zoho CRM Deals · updated ") || strings.Contains(first, "\n") {
		t.Fatalf("note %q", first)
	}
	const mine = "Ask Maria before editing.\nSee the wiki."
	em.sheets.SetNote(em.spreadsheetID, "Pipeline", 0, 0, mine)
	for i := 0; i < 2; i++ {
		em.zoho.Advance(time.Hour)
		got, stderr := run()
		if !strings.HasPrefix(got, "Synced from Zoho CRM Deals · updated ") || !strings.HasSuffix(got, "\n"+mine) ||
			strings.Count(got, "Synced from") != 1 {
			t.Fatalf("run %d: note %q", i, got)
		}
		// The history tab's state says which mapping built it: no
		// "older version" note on every run.
		if strings.Contains(stderr, "older version") {
			t.Fatalf("run %d: a snapshot tab's state lost its fingerprint:\n%s", i, stderr)
		}
	}
}

// A person renames a synced tab: the sync follows it, and so does the
// freshness note.
func TestQA12FreshnessNoteFollowsARenamedTab(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 2})
	cfg := writeMapping(t, pipelineMapping)
	for i := 0; i < 2; i++ {
		if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if i == 0 {
			em.sheets.SetNote(em.spreadsheetID, "Pipeline", 0, 0, "")
			em.sheets.RenameSheet(em.spreadsheetID, "Pipeline", "Pipeline (team)")
			em.zoho.Advance(time.Hour)
		}
	}
	if n := em.sheets.Cell(em.spreadsheetID, "Pipeline (team)", 0, 0).Note; !strings.HasPrefix(n, "Synced from Zoho CRM Deals") {
		t.Fatalf("no freshness note on the renamed tab: %q", n)
	}
	statusRow(t, em, "Pipeline")
}
