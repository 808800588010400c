package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	gsheets "google.golang.org/api/sheets/v4"
)

// The tests in this file play the people who open the sheet every
// morning: they add columns of their own, type notes, sort, insert and
// delete rows, edit and move synced cells, between runs. Each checks what
// the next run does to their text and to the synced rows.

// humanRun runs --once in process (extra args appended) and fails the
// test unless it exits 0; it returns the log.
func humanRun(t *testing.T, em *emulators, cfg string, args ...string) string {
	t.Helper()
	em.sheets.Advance(time.Minute) // a fresh minute of Google's read quota, as between real runs
	code, _, stderr := inProcess(t, em, nil, append([]string{"--once", "--config", cfg}, args...)...)
	if code != 0 {
		t.Fatalf("run %v: exit %d\n%s", args, code, stderr)
	}
	return stderr
}

// keyedRows is tab for a tab people put rows of their own in: rows
// whose key is not a record id (blank, "Total", a description) are left
// out and counted, a duplicate key fails.
func keyedRows(t *testing.T, em *emulators, tabTitle string) (header []any, rows map[string][]any, keyless int) {
	t.Helper()
	vals := em.sheets.Values(em.spreadsheetID, tabTitle)
	header = vals[0]
	k := indexOf(header, "Zoho ID")
	rows = map[string][]any{}
	for _, r := range vals[1:] {
		if k >= len(r) || strings.Trim(fmt.Sprint(r[k]), "0123456789") != "" || r[k] == "" {
			keyless++
			continue
		}
		key := fmt.Sprint(r[k])
		if _, dup := rows[key]; dup {
			t.Fatalf("tab %s: duplicate row for key %s\n%s", tabTitle, key, em.sheets.Table(em.spreadsheetID, tabTitle))
		}
		rows[key] = r
	}
	return header, rows, keyless
}

// assertKeyedMatchCRM is assertLeadsMatchCRM for a tab with rows of a
// person's own: exactly keyless rows without a key, and one row per lead.
func assertKeyedMatchCRM(t *testing.T, em *emulators, keyless int) {
	t.Helper()
	header, rows, n := keyedRows(t, em, "Leads")
	if n != keyless {
		t.Fatalf("%d rows without a key, want %d\n%s", n, keyless, em.sheets.Table(em.spreadsheetID, "Leads"))
	}
	ids := em.zoho.IDs("Leads")
	slices.Sort(ids)
	if got := sortedKeys(rows); !slices.Equal(got, ids) {
		t.Fatalf("rows keyed %v, want exactly the CRM's leads %v\n%s", got, ids, em.sheets.Table(em.spreadsheetID, "Leads"))
	}
	for _, id := range ids {
		rec, _ := em.zoho.Record("Leads", id)
		for _, c := range []struct{ header, field string }{
			{"Name", "Full_Name"}, {"Company", "Company"}, {"Status", "Lead_Status"}, {"Owner", "Owner"},
		} {
			if got, want := str(cell(header, rows[id], c.header)), str(rec[c.field]); got != want {
				t.Errorf("lead %s %s = %q, want %q", id, c.header, got, want)
			}
		}
	}
}

// byKey returns the value under header of the row whose Zoho ID is id
// (nil when there is no such row or cell), as the tab is now.
func byKey(t *testing.T, em *emulators, tabTitle, id, header string) any {
	t.Helper()
	h, rows, _ := keyedRows(t, em, tabTitle)
	r, ok := rows[id]
	if !ok {
		return nil
	}
	return cell(h, r, header)
}

// rowOfKey returns the 0-based row of the tab whose key cell (column
// keyCol) is id, or -1.
func rowOfKey(em *emulators, tabTitle string, keyCol int, id string) int {
	for r, row := range em.sheets.Values(em.spreadsheetID, tabTitle) {
		if keyCol < len(row) && fmt.Sprint(row[keyCol]) == id {
			return r
		}
	}
	return -1
}

// A morning of edits on a synced tab: columns of one's own left of,
// between and right of the synced ones, notes in them, a sort, a blank
// row and a typed row in the middle, a synced column dragged elsewhere.
// The next runs (incremental, then full) keep every note with its record,
// the person's rows and columns where they put them, and the tab exact.
func TestHumanMorningOfEdits(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 10, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	id, tb := em.spreadsheetID, "Leads"

	em.sheets.InsertColumn(id, tb, 0, "Priority")   // left of the key
	em.sheets.InsertColumn(id, tb, 3, "Call notes") // between Name and Company
	vals := em.sheets.Values(id, tb)
	last := len(vals[0])
	em.sheets.InsertColumn(id, tb, last, "Follow-up") // right of the synced ones
	notes := map[string]string{}
	for r := 1; r < len(vals); r++ {
		k := fmt.Sprint(vals[r][1])
		notes[k] = "call " + k[len(k)-3:]
		em.sheets.SetCell(id, tb, r, 3, notes[k])
		em.sheets.SetCell(id, tb, r, 0, fmt.Sprintf("P%d", r%3))
		em.sheets.SetCell(id, tb, r, last, "=B"+fmt.Sprint(r+1)) // a formula on its own row
	}
	em.sheets.SortRows(id, tb, 4, false) // by Company, descending
	em.sheets.InsertRows(id, tb, 4, 1)   // a blank row
	em.sheets.InsertRows(id, tb, 6, 1)
	em.sheets.SetCell(id, tb, 6, 3, "Team meeting: split the list") // a typed row without key
	em.sheets.MoveColumn(id, tb, 5, 0)                              // drag Status to the far left

	// The CRM moves on: one lead changed, one new, one deleted.
	ids := em.zoho.IDs("Leads")
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", ids[2], map[string]any{"Company": "Renamed GmbH"})
	nid := em.zoho.Create("Leads", map[string]any{"Last_Name": "Newman", "Company": "New Co"})
	em.zoho.Delete("Leads", ids[4])
	delete(notes, ids[4])

	check := func(what string) {
		t.Helper()
		assertKeyedMatchCRM(t, em, 2)
		h := em.sheets.Values(id, tb)[0]
		want := []any{"Status", "Priority", "Zoho ID", "Name", "Call notes", "Company", "Owner", "Revenue", "Modified", "Follow-up"}
		if fmt.Sprint(h) != fmt.Sprint(want) {
			t.Fatalf("%s: header %v, want %v", what, h, want)
		}
		for k, n := range notes {
			if got := byKey(t, em, tb, k, "Call notes"); got != n {
				t.Fatalf("%s: lead %s's note is %v, want %q\n%s", what, k, got, n, em.sheets.Table(id, tb))
			}
		}
		if got := byKey(t, em, tb, nid, "Call notes"); got != "" && got != nil {
			t.Fatalf("%s: the new lead got a note %v", what, got)
		}
		var typed bool
		for _, r := range em.sheets.Values(id, tb) {
			if len(r) > 4 && r[4] == "Team meeting: split the list" {
				typed = true
				if r[2] != "" {
					t.Fatalf("%s: the typed row got a key: %v", what, r)
				}
			}
		}
		if !typed {
			t.Fatalf("%s: the typed row is gone\n%s", what, em.sheets.Table(id, tb))
		}
		// Each formula still points at its own row.
		for r, row := range em.sheets.Values(id, tb) {
			if r == 0 || len(row) < 3 || row[2] == "" {
				continue
			}
			c := em.sheets.Cell(id, tb, r, 9)
			if c.Formula != "" && c.Formula != "=C"+fmt.Sprint(r+1) {
				t.Fatalf("%s: row %d's formula %q points at another row\n%s", what, r+1, c.Formula, em.sheets.Table(id, tb))
			}
		}
	}
	humanRun(t, em, cfg)
	check("incremental")
	em.zoho.Advance(time.Hour)
	humanRun(t, em, cfg, "--full")
	check("full")
	if strings.Contains(em.sheets.Table(id, tb), "#REF") {
		t.Fatalf("broken references:\n%s", em.sheets.Table(id, tb))
	}
}

// A person renames a synced column's header, or deletes a synced column,
// and the next run is an incremental one: the mapping's column comes back
// filled for every record, not only for the few that changed.
func TestHumanRenamesOrDeletesASyncedColumn(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(em *emulators)
	}{
		{"renamed", func(em *emulators) { em.sheets.SetCell(em.spreadsheetID, "Leads", 0, 2, "Firma") }},
		{"deleted", func(em *emulators) { em.sheets.DeleteColumns(em.spreadsheetID, "Leads", 2, 1) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			em := newEmulators(t, map[string]int{"Leads": 8, "Deals": 1})
			cfg := writeMapping(t, string(demoMapping))
			humanRun(t, em, cfg)
			c.edit(em)
			em.zoho.Advance(time.Hour)
			em.zoho.Update("Leads", em.zoho.IDs("Leads")[3], map[string]any{"Lead_Status": "Contacted"})
			humanRun(t, em, cfg)
			assertKeyedMatchCRM(t, em, 0)
		})
	}
}

// Edits a person makes to the synced cells themselves: a cell typed over,
// a synced row deleted by hand. An incremental run reads only the records
// that changed in Zoho, so it leaves them; the next full read puts them
// right (README, "Changing mapping.yaml"). A key header renamed, or a
// title row inserted above the header, is refused with what to undo.
func TestHumanEditsSyncedCells(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 6, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	id, tb := em.spreadsheetID, "Leads"
	em.sheets.InsertColumn(id, tb, 7, "Notes")
	vals := em.sheets.Values(id, tb)
	for r := 1; r < len(vals); r++ {
		em.sheets.SetCell(id, tb, r, 7, "note "+fmt.Sprint(vals[r][0]))
	}
	typedOver, gone := fmt.Sprint(vals[2][0]), fmt.Sprint(vals[4][0])
	em.sheets.SetCell(id, tb, 2, 2, "=1+1")       // a formula typed over a Company
	em.sheets.SetCell(id, tb, 3, 2, "2024-01-15") // a date pasted over another
	em.sheets.DeleteRows(id, tb, 4, 1)
	em.zoho.Advance(time.Hour)
	humanRun(t, em, cfg, "--full")
	assertKeyedMatchCRM(t, em, 0)
	if f := em.sheets.Formulas(id, tb); len(f) != 0 {
		t.Fatalf("formulas left in synced cells: %v", f)
	}
	for k := range map[string]bool{typedOver: true, fmt.Sprint(vals[1][0]): true} {
		if got := byKey(t, em, tb, k, "Notes"); got != "note "+k {
			t.Fatalf("lead %s's note: %v", k, got)
		}
	}
	if got := byKey(t, em, tb, gone, "Notes"); got != "" && got != nil {
		t.Fatalf("the re-added lead got someone's note %v", got)
	}

	// The key column's header renamed: refused, saying what to put back.
	em.sheets.SetCell(id, tb, 0, 0, "ID")
	em.zoho.Advance(time.Hour)
	em.sheets.Advance(time.Minute)
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, `rename the header of column A back to \"Zoho ID\"`) {
		t.Fatalf("key header renamed: exit %d\n%s", code, stderr)
	}
	em.sheets.SetCell(id, tb, 0, 0, "Zoho ID")

	// A title row inserted above the header.
	em.sheets.InsertRows(id, tb, 0, 1)
	em.sheets.SetCell(id, tb, 0, 0, "Leads — synced every morning, do not sort the header")
	before := em.sheets.Values(id, tb)
	em.sheets.Advance(time.Minute)
	code, _, stderr = inProcess(t, em, nil, "--once", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, "delete the 1 row(s) above the header") {
		t.Fatalf("title row above the header: exit %d\n%s", code, stderr)
	}
	if fmt.Sprint(em.sheets.Values(id, tb)) != fmt.Sprint(before) {
		t.Fatalf("a refused run changed the tab:\n%s", em.sheets.Table(id, tb))
	}
	em.sheets.DeleteRows(id, tb, 0, 1)
	humanRun(t, em, cfg)
	assertKeyedMatchCRM(t, em, 0)
}

// A person protects ranges of a synced tab (Data → Protect sheets and
// ranges, "only you"). A protection the sync never needs to write through
// (their own column) changes nothing; one over synced cells stops the
// tab's write with a message saying what to change, the tab untouched;
// once the service account may edit the range, the next run completes it.
func TestHumanProtectsRanges(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	id, tb := em.spreadsheetID, "Leads"
	em.sheets.InsertColumn(id, tb, 7, "Notes")
	em.sheets.SetCell(id, tb, 1, 7, "mine")
	em.sheets.ProtectRange(id, tb, -1, -1, 7, 8, false) // their own column
	em.sheets.ProtectRange(id, tb, 0, 1, -1, -1, true)  // the header row, warning only
	ids := em.zoho.IDs("Leads")
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", ids[0], map[string]any{"Company": "Protected AG"})
	em.zoho.Create("Leads", map[string]any{"Last_Name": "Newer", "Company": "N"})
	humanRun(t, em, cfg)
	assertKeyedMatchCRM(t, em, 0)

	pid := em.sheets.ProtectRange(id, tb, -1, -1, 2, 3, false) // the synced Company column
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", ids[1], map[string]any{"Company": "Blocked GmbH"})
	before := em.sheets.Values(id, tb)
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	var key struct {
		Email string `json:"client_email"`
	}
	if err := json.Unmarshal([]byte(em.env["GOOGLE_CREDENTIALS_JSON"]), &key); err != nil || key.Email == "" {
		t.Fatalf("no client_email: %v", err)
	}
	if code != 1 || !strings.Contains(stderr, "Protect sheets and ranges, add "+key.Email+" to that range's editors") {
		t.Fatalf("a protected synced column: exit %d\n%s", code, stderr)
	}
	if fmt.Sprint(em.sheets.Values(id, tb)) != fmt.Sprint(before) {
		t.Fatalf("the refused write changed the tab:\n%s", em.sheets.Table(id, tb))
	}
	em.sheets.UnprotectRange(id, tb, pid)
	em.sheets.ProtectRange(id, tb, -1, -1, 2, 3, false, key.Email)
	humanRun(t, em, cfg)
	assertKeyedMatchCRM(t, em, 0)
}

// A person edits the tab while a run is writing it: just before the run's
// first values write arrives, they sort, insert rows, delete a synced
// row, drag a column, add a column of their own or rename a synced
// header. The run (or, for what it could not know, the next one) leaves
// the tab exact, every note on its own record, nothing doubled.
func TestHumanEditsDuringARun(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(em *emulators)
	}{
		{"sort", func(em *emulators) { em.sheets.SortRows(em.spreadsheetID, "Leads", 2, false) }},
		{"insert rows", func(em *emulators) { em.sheets.InsertRows(em.spreadsheetID, "Leads", 1, 2) }},
		{"insert rows, nothing deleted", func(em *emulators) { em.sheets.InsertRows(em.spreadsheetID, "Leads", 1, 2) }},
		{"delete a row", func(em *emulators) { em.sheets.DeleteRows(em.spreadsheetID, "Leads", 3, 1) }},
		{"drag a column", func(em *emulators) { em.sheets.MoveColumn(em.spreadsheetID, "Leads", 2, 0) }},
		{"own column in front", func(em *emulators) { em.sheets.InsertColumn(em.spreadsheetID, "Leads", 0, "Mine") }},
		{"rename a header", func(em *emulators) { em.sheets.SetCell(em.spreadsheetID, "Leads", 0, 3, "Lead status") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			em := newEmulators(t, map[string]int{"Leads": 8, "Deals": 1})
			cfg := writeMapping(t, string(demoMapping))
			humanRun(t, em, cfg)
			id, tb := em.spreadsheetID, "Leads"
			em.sheets.InsertColumn(id, tb, 7, "Notes")
			vals := em.sheets.Values(id, tb)
			notes := map[string]string{}
			for r := 1; r < len(vals); r++ {
				k := fmt.Sprint(vals[r][0])
				notes[k] = "note " + k
				em.sheets.SetCell(id, tb, r, 7, notes[k])
			}
			ids := em.zoho.IDs("Leads")
			em.zoho.Advance(time.Hour)
			for _, k := range ids[:4] {
				em.zoho.Update("Leads", k, map[string]any{"Company": "Changed " + k[len(k)-3:], "Lead_Status": "Contacted"})
			}
			nid := em.zoho.Create("Leads", map[string]any{"Last_Name": "Newer", "Company": "N"})
			if !strings.Contains(c.name, "nothing deleted") {
				em.zoho.Delete("Leads", ids[5])
				delete(notes, ids[5])
			}
			ran := onBody(em, "values:batchUpdate", func() { c.edit(em) }, `Leads`)
			humanRun(t, em, cfg)
			em.sheets.OnRequest(nil)
			if !ran() {
				t.Fatal("the edit never happened")
			}
			check := func(what string) {
				t.Helper()
				keyless := 0
				if strings.HasPrefix(c.name, "insert rows") {
					keyless = 2 // the person's blank rows
				}
				assertKeyedMatchCRM(t, em, keyless)
				for k, n := range notes {
					if got := byKey(t, em, tb, k, "Notes"); got != n {
						t.Fatalf("%s: lead %s's note is %v, want %q\n%s", what, k, got, n, em.sheets.Table(id, tb))
					}
				}
				if got := byKey(t, em, tb, nid, "Notes"); got != nil && got != "" {
					t.Fatalf("%s: the new lead got someone's note %v\n%s", what, got, em.sheets.Table(id, tb))
				}
			}
			if c.name != "delete a row" {
				check("the run")
			}
			em.zoho.Advance(time.Hour)
			humanRun(t, em, cfg, "--full")
			check("the next full run")
		})
	}
}

// A second header row under the synced one (a description per column),
// both rows frozen, the sheet sorted below them, a totals row at the
// bottom: the runs leave the description row alone, keep the two frozen
// rows, and add new records below the last used row (below the totals:
// README says so).
func TestHumanSecondHeaderRowAndTotals(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 6, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	id, tb := em.spreadsheetID, "Leads"
	em.sheets.InsertRows(id, tb, 1, 1)
	desc := []string{"Record id — do not edit", "as in Zoho", "", "", "sales owner"}
	for c, d := range desc {
		if d != "" {
			em.sheets.SetCell(id, tb, 1, c, d)
		}
	}
	sheetID := em.sheets.Sheets(id)[1].ID
	svc := personSvc(t, em)
	if _, err := svc.Spreadsheets.BatchUpdate(id, &gsheets.BatchUpdateSpreadsheetRequest{Requests: []*gsheets.Request{{
		UpdateSheetProperties: &gsheets.UpdateSheetPropertiesRequest{Fields: "gridProperties.frozenRowCount",
			Properties: &gsheets.SheetProperties{SheetId: sheetID, GridProperties: &gsheets.GridProperties{FrozenRowCount: 2}}}},
	}}).Do(); err != nil {
		t.Fatal(err)
	}
	em.sheets.SortRows(id, tb, 2, true)
	n := len(em.sheets.Values(id, tb))
	em.sheets.InsertRows(id, tb, n, 1) // the grid ends at the last row: add one, as the UI's "Add rows" does
	em.sheets.SetCell(id, tb, n, 4, "Total")
	em.sheets.SetCell(id, tb, n, 5, fmt.Sprintf("=SUM(F3:F%d)", n))
	ids := em.zoho.IDs("Leads")
	em.zoho.Advance(time.Hour)
	em.zoho.Delete("Leads", ids[1])
	em.zoho.Create("Leads", map[string]any{"Last_Name": "Newer", "Company": "N"})
	for _, args := range [][]string{nil, {"--full"}} {
		humanRun(t, em, cfg, args...)
		assertKeyedMatchCRM(t, em, 2) // the description and totals rows
		vals := em.sheets.Values(id, tb)
		for c, d := range desc {
			if c >= len(vals[1]) || vals[1][c] != d {
				t.Fatalf("%v: the description row changed: %v\n%s", args, vals[1], em.sheets.Table(id, tb))
			}
		}
		if s := em.sheets.Sheets(id)[1]; s.FrozenRows != 2 {
			t.Fatalf("%v: %d frozen rows", args, s.FrozenRows)
		}
	}
	vals := em.sheets.Values(id, tb)
	if last := vals[len(vals)-1]; last[4] == "Total" || vals[len(vals)-2][4] != "Total" {
		t.Fatalf("the new record is not below the totals row:\n%s", em.sheets.Table(id, tb))
	}
	// The deleted lead's row left the sum's range, the sum kept its rows.
	total := em.sheets.Cell(id, tb, len(vals)-2, 5)
	if total.Formula != fmt.Sprintf("=SUM(F3:F%d)", len(vals)-2) {
		t.Fatalf("totals formula %q at row %d\n%s", total.Formula, len(vals)-1, em.sheets.Table(id, tb))
	}
}

// A person empties the tab (selects everything and presses Delete) and
// the next run is an incremental one: the tab is filled again with every
// record, not only with those that changed.
func TestHumanEmptiesTheTab(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 6, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	id, tb := em.spreadsheetID, "Leads"
	vals := em.sheets.Values(id, tb)
	for r := range vals {
		for c := range vals[r] {
			em.sheets.SetCell(id, tb, r, c, nil)
		}
	}
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[2], map[string]any{"Company": "Changed"})
	humanRun(t, em, cfg)
	assertKeyedMatchCRM(t, em, 0)
}

// A person deletes the status tab and gives a synced tab its title: the
// status is not written into that tab (it would put its table beside the
// records), and the run says which tab to rename back.
func TestHumanTabRenamedToTheStatusTitle(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 4, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	id := em.spreadsheetID
	em.sheets.DeleteSheet(id, "Sync status")
	em.sheets.RenameSheet(id, "Leads", "Sync status")
	before := em.sheets.Values(id, "Sync status")
	em.zoho.Advance(time.Hour)
	stderr := humanRun(t, em, cfg)
	after := em.sheets.Values(id, "Sync status")
	if len(after[0]) != len(before[0]) {
		t.Fatalf("the status table was written into the Leads tab:\n%s", em.sheets.Table(id, "Sync status"))
	}
	if !strings.Contains(stderr, `could not update the status tab`) || !strings.Contains(stderr, `rename it back to \"Leads\"`) {
		t.Fatalf("the run did not say so:\n%s", stderr)
	}
}

// A person renames a synced header to another synced column's header:
// refused, naming the header that went missing to rename back to.
func TestHumanRenamesAHeaderToAnother(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 4, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	em.sheets.SetCell(em.spreadsheetID, "Leads", 0, 3, "Company") // was Status
	before := em.sheets.Values(em.spreadsheetID, "Leads")
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, `back to \"Status\" if it was the sync's \"Status\" column`) {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if fmt.Sprint(em.sheets.Values(em.spreadsheetID, "Leads")) != fmt.Sprint(before) {
		t.Fatal("a refused run wrote the tab")
	}
}

// A person annotates this week's rows of a weekly history tab (a comment
// and a formula in a column of their own) and the daily run takes the
// week's snapshot again: the comments stay with their records, the
// formula stays a formula, the week holds one row per record, and a
// record that changed shows its new values.
func TestHumanAnnotatesThisWeeksSnapshot(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 5})
	cfg := writeMapping(t, pipelineMapping)
	run := func() {
		t.Helper()
		if code, _, stderr := inProcessAt(t, em, nil, em.zoho.Now, "--once", "--config", cfg); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
	}
	run()
	id, tb := em.spreadsheetID, "Pipeline history"
	vals := em.sheets.Values(id, tb)
	em.sheets.InsertColumn(id, tb, 4, "Comment")
	comments := map[string]string{}
	for r := 1; r < len(vals); r++ {
		k := fmt.Sprint(vals[r][1])
		comments[k] = "ask about " + k[len(k)-3:]
		em.sheets.SetCell(id, tb, r, 4, comments[k])
	}
	em.sheets.InsertColumn(id, tb, 5, "Double")
	em.sheets.SetCell(id, tb, 2, 5, "=D3*2")
	formulaOf := fmt.Sprint(vals[2][1])
	em.sheets.SortRows(id, tb, 3, false)
	ids := em.zoho.IDs("Deals")
	em.zoho.Advance(2 * time.Hour)
	em.zoho.Update("Deals", ids[1], map[string]any{"Stage": "Closed Won"})
	em.zoho.Delete("Deals", ids[3])
	delete(comments, ids[3])
	run()
	vals = em.sheets.Values(id, tb)
	if len(vals) != 5 {
		t.Fatalf("the week holds %d rows, want the 4 deals:\n%s", len(vals)-1, em.sheets.Table(id, tb))
	}
	for r, row := range vals[1:] {
		k := fmt.Sprint(row[1])
		if want := comments[k]; len(row) < 5 || row[4] != want {
			t.Fatalf("deal %s's comment lost or moved (want %q)\n%s", k, want, em.sheets.Table(id, tb))
		}
		if k == ids[1] && row[2] != "Closed Won" {
			t.Fatalf("deal %s not updated: %v", k, row)
		}
		if f := em.sheets.Cell(id, tb, r+1, 5).Formula; (k == formulaOf) != (f != "") || f != "" && f != fmt.Sprintf("=D%d*2", r+2) {
			t.Fatalf("row %d (deal %s) formula %q\n%s", r+2, k, f, em.sheets.Table(id, tb))
		}
	}
}

// A person types a year or a number into the key column of rows of their
// own ("2025" above their targets, "1" and "2" numbering two agenda
// rows): a full reconcile never removes them (the sync writes keys as
// text, and no Zoho id is such a number), and does not take two such rows
// for duplicates.
func TestHumanTypesNumbersInTheKeyColumn(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 4, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	humanRun(t, em, cfg)
	id, tb := em.spreadsheetID, "Leads"
	n := len(em.sheets.Values(id, tb))
	em.sheets.InsertRows(id, tb, n, 3)
	for i, key := range []string{"2025", "7", "7"} {
		em.sheets.SetCell(id, tb, n+i, 0, key) // typed: Sheets makes it a number
		em.sheets.SetCell(id, tb, n+i, 2, fmt.Sprintf("agenda %d", i))
	}
	em.zoho.Advance(time.Hour)
	humanRun(t, em, cfg, "--full")
	vals := em.sheets.Values(id, tb)
	var kept []string
	for _, r := range vals[1:] {
		if len(r) > 2 && strings.HasPrefix(fmt.Sprint(r[2]), "agenda") {
			kept = append(kept, fmt.Sprint(r[0], " ", r[2]))
		}
	}
	if strings.Join(kept, ",") != "2025 agenda 0,7 agenda 1,7 agenda 2" {
		t.Fatalf("the person's rows left: %v\n%s", kept, em.sheets.Table(id, tb))
	}
}
