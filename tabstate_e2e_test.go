package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	gsheets "google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/sheets"
)

// The tests in this file change the world around a synced tab (the
// mapping, the timezone, the tab's title, the tab itself, the state's
// format) and check the next normal run ends with the tab exactly right
// and says what happened.

// stateRun runs --once in process with a step summary file and returns
// the log and the summary.
func stateRun(t *testing.T, em *emulators, cfg string, args ...string) (log, summary string) {
	t.Helper()
	sumFile := filepath.Join(t.TempDir(), "summary.md")
	code, _, stderr := inProcess(t, em, map[string]string{"GITHUB_STEP_SUMMARY": sumFile},
		append([]string{"--once", "--config", cfg, "--log-format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("run exit %d\n%s", code, stderr)
	}
	b, _ := os.ReadFile(sumFile)
	return stderr, string(b)
}

// syncedDemo syncs the demo mapping once over leads and deals records and
// returns the emulators and the mapping file.
func syncedDemo(t *testing.T, leads, deals int) (em *emulators, cfg string) {
	t.Helper()
	em = newEmulators(t, map[string]int{"Leads": leads, "Deals": deals})
	cfg = writeMapping(t, string(demoMapping))
	stateRun(t, em, cfg)
	return em, cfg
}

// syncedDemoWithNote is syncedDemo, then a note typed on a lead's row; it
// also returns the noted lead.
func syncedDemoWithNote(t *testing.T, leads, deals int) (em *emulators, cfg, noted string) {
	t.Helper()
	em, cfg = syncedDemo(t, leads, deals)
	return em, cfg, noteLead(t, em, "Leads")
}

// noteLead types a note in a human column on the second row and returns
// the lead it is on.
func noteLead(t *testing.T, em *emulators, tabTitle string) string {
	t.Helper()
	vals := em.sheets.Values(em.spreadsheetID, tabTitle)
	col := len(vals[0])
	em.sheets.InsertColumn(em.spreadsheetID, tabTitle, col, "Next step")
	em.sheets.SetCell(em.spreadsheetID, tabTitle, 1, col, "call Monday")
	return fmt.Sprint(vals[1][0])
}

// assertExact checks tab holds one row per CRM lead (no blank or duplicate
// row), each mapped cell equal to the CRM as want renders it, and the
// human's note on noted only.
func assertExact(t *testing.T, em *emulators, tabTitle string, want map[string]func(rec map[string]any) any, noted string) {
	t.Helper()
	header, rows := tab(t, em, tabTitle, "Zoho ID")
	ids := em.zoho.IDs("Leads")
	slices.Sort(ids)
	if got := sortedKeys(rows); !slices.Equal(got, ids) {
		t.Fatalf("tab %s rows keyed %v, want exactly the CRM's leads %v", tabTitle, got, ids)
	}
	for _, id := range ids {
		rec, _ := em.zoho.Record("Leads", id)
		for h, f := range want {
			got, exp := cell(header, rows[id], h), f(rec)
			if g, ok := got.(float64); ok {
				if e, ok := exp.(float64); ok && math.Abs(g-e) < 1e-6 {
					continue
				}
			}
			if str(got) != str(exp) {
				t.Errorf("lead %s %s = %v, want %v", id, h, got, exp)
			}
		}
		if note := str(cell(header, rows[id], "Next step")); (id == noted) != (note == "call Monday") {
			t.Errorf("lead %s has note %q: the note belongs to lead %s only", id, note, noted)
		}
	}
}

func field(name string) func(map[string]any) any {
	return func(rec map[string]any) any { return str(rec[name]) }
}

// serialIn is the Sheets serial of a CRM datetime's wall clock in zone.
func serialIn(t *testing.T, zone string) func(map[string]any) any {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return func(rec map[string]any) any {
		at, err := time.Parse(time.RFC3339, str(rec["Modified_Time"]))
		if err != nil {
			return "bad datetime " + str(rec["Modified_Time"])
		}
		w := at.In(loc)
		wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
		return wall.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	}
}

func mustContainAll(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not say %q:\n%s", what, sub, s)
		}
	}
}

func TestMappingColumnsAddedAreFilledForEveryRow(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 25, 2)

	// The team adds two columns; one lead changes meanwhile.
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[3], map[string]any{"Lead_Status": "Contacted"})
	added := strings.Replace(string(demoMapping), "      - { header: Modified, field: Modified_Time }\n",
		"      - { header: Modified, field: Modified_Time }\n      - { header: Email, field: Email }\n      - { header: Phone, field: Phone }\n", 1)
	cfg = writeMapping(t, added)
	// A dry run says what the change will cost, and writes nothing.
	writes := em.sheets.Stats().Writes
	code, stdout, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--dry-run")
	if code != 0 || em.sheets.Stats().Writes != writes {
		t.Fatalf("dry run: exit %d, %d writes\n%s", code, em.sheets.Stats().Writes-writes, stderr)
	}
	mustContainAll(t, "the dry run's summary", stdout, "Leads: mapping changed: 2 columns added (Email, Phone) → full read")
	em.sheets.Advance(time.Minute) // Google's per-minute read quota (a 60 s back-off) is not what this test is about
	log, summary := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, `mapping changed: 2 columns added (Email, Phone) → full read`, `"module":"Leads","sheet":"Leads","mode":"full"`)
	mustContainAll(t, "the step summary", summary, `mapping changed: 2 columns added (Email, Phone) → full read`)
	if strings.Contains(log, `"sheet":"Deals","mode":"full"`) {
		t.Errorf("Deals' mapping did not change, yet it was read in full:\n%s", log)
	}
	want := map[string]func(map[string]any) any{"Email": field("Email"), "Phone": field("Phone"),
		"Status": field("Lead_Status"), "Name": field("Full_Name")}
	assertExact(t, em, "Leads", want, noted)

	// The new mapping is now what the tab is built from: back to incremental.
	log, _ = stateRun(t, em, cfg)
	if !strings.Contains(log, `"sheet":"Leads","mode":"incremental"`) || strings.Contains(log, "mapping changed") {
		t.Errorf("the run after the change should be a quiet incremental one:\n%s", log)
	}

	// Removing a column costs nothing: it stays, left to the people.
	cfg = writeMapping(t, strings.Replace(added, "      - { header: Phone, field: Phone }\n", "", 1))
	log, _ = stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, "mapping changed: 1 column removed (left in the tab)", `"sheet":"Leads","mode":"incremental"`)
	want["Phone"] = field("Phone")
	assertExact(t, em, "Leads", want, noted)
}

func TestTimezoneChangeRerendersEveryDatetime(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 20, 2)
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Modified": serialIn(t, "Europe/Berlin")}, noted)

	cfg = writeMapping(t, strings.Replace(string(demoMapping), "timezone: Europe/Berlin", "timezone: America/New_York", 1))
	log, summary := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, "mapping changed: timezone changed → full read")
	mustContainAll(t, "the step summary", summary, "timezone changed → full read")
	if strings.Contains(log, `"sheet":"Deals","mode":"full"`) {
		t.Errorf("Deals has no datetime column: a new zone changes none of its cells:\n%s", log)
	}
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Modified": serialIn(t, "America/New_York"),
		"Name": field("Full_Name")}, noted)
}

func TestRenamedTabIsFollowed(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 20, 2)
	em.sheets.RenameSheet(em.spreadsheetID, "Leads", "Leads (EU team)")

	em.zoho.Advance(time.Hour)
	ids := em.zoho.IDs("Leads")
	em.zoho.Update("Leads", ids[2], map[string]any{"Lead_Status": "Junk Lead"})
	em.zoho.Delete("Leads", ids[5])
	em.zoho.Create("Leads", map[string]any{"Last_Name": "Hopper", "Full_Name": "Grace Hopper", "Company": "Navy"})
	log, summary := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, `tab renamed to \"Leads (EU team)\": following it`, `"sheet":"Leads","mode":"incremental"`)
	mustContainAll(t, "the step summary", summary, `tab renamed to "Leads (EU team)": following it`)
	want := map[string]func(map[string]any) any{"Name": field("Full_Name"), "Status": field("Lead_Status"), "Company": field("Company")}
	assertExact(t, em, "Leads (EU team)", want, noted)

	// Said once; later runs keep writing the renamed tab, never a new one.
	log, _ = stateRun(t, em, cfg)
	if strings.Contains(log, "tab renamed") {
		t.Errorf("the rename was reported again:\n%s", log)
	}
	var titles []string
	for _, s := range em.sheets.Sheets(em.spreadsheetID) {
		if s.Title != "Sync status" {
			titles = append(titles, s.Title)
		}
	}
	if slices.Contains(titles, "Leads") || len(titles) != 3 {
		t.Fatalf("tabs %v: the renamed tab must be the only Leads tab", titles)
	}
	assertExact(t, em, "Leads (EU team)", want, noted)
}

func TestDeletedTabIsRecreatedInFull(t *testing.T) {
	em, cfg := syncedDemo(t, 20, 2)
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": "Contacted"})
	em.sheets.DeleteSheet(em.spreadsheetID, "Leads")

	log, summary := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, `"level":"warn"`, `tab \"Leads\" was deleted: recreating it`, `tab recreated → full read`)
	mustContainAll(t, "the step summary", summary, `tab "Leads" was deleted: recreating it`)
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Name": field("Full_Name"), "Status": field("Lead_Status")}, "")
}

// The state an older version kept, one entry per module, is taken over by
// the tab, then removed; the tab ends exact.
func TestModuleStateOfOlderVersionIsMigrated(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 20, 2)

	// Turn the state into what the older version wrote.
	ctx := context.Background()
	tok := em.sheets.IssueToken(demoServiceAccount)
	svc, err := gsheets.NewService(ctx, option.WithEndpoint(em.sheets.URL()),
		option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok})))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []*gsheets.Request
	for _, m := range em.sheets.Metadata(em.spreadsheetID) {
		sheet, ok := strings.CutPrefix(m.Key, sheets.TabStateKeyPrefix)
		if !ok {
			continue
		}
		var cursor string
		if i := strings.Index(m.Value, `"cursor":"`); i >= 0 {
			cursor = m.Value[i+10 : i+10+strings.Index(m.Value[i+10:], `"`)]
		}
		old := fmt.Sprintf(`{"module":%q,"cursor":%q,"last_full":%q,"last_run":%q,"last_status":"ok","rows":20}`, sheet, cursor, cursor, cursor)
		reqs = append(reqs,
			&gsheets.Request{DeleteDeveloperMetadata: &gsheets.DeleteDeveloperMetadataRequest{DataFilter: &gsheets.DataFilter{
				DeveloperMetadataLookup: &gsheets.DeveloperMetadataLookup{MetadataId: m.ID}}}},
			&gsheets.Request{CreateDeveloperMetadata: &gsheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &gsheets.DeveloperMetadata{
				MetadataKey: sheets.StateKeyPrefix + sheet, MetadataValue: old, Visibility: "DOCUMENT",
				Location: &gsheets.DeveloperMetadataLocation{Spreadsheet: true}}}})
	}
	if len(reqs) != 4 {
		t.Fatalf("%d state requests, want 2 tabs × 2", len(reqs))
	}
	if _, err := svc.Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{Requests: reqs}).Do(); err != nil {
		t.Fatal(err)
	}

	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[4], map[string]any{"Lead_Status": "Junk Lead"})
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, "sync state of module Leads migrated to the per-tab format",
		"sync state from an older version does not say which mapping built the tab → full read (once)")
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Name": field("Full_Name"), "Status": field("Lead_Status")}, noted)
	var keys []string
	for _, m := range em.sheets.Metadata(em.spreadsheetID) {
		if m.Key != "zoho2sheets.formats" { // each tab's record of its formats
			keys = append(keys, m.Key)
		}
	}
	slices.Sort(keys)
	if want := []string{sheets.TabStateKeyPrefix + "Deals", sheets.TabStateKeyPrefix + "Leads"}; !slices.Equal(keys, want) {
		t.Fatalf("metadata keys %v, want only the per-tab states %v", keys, want)
	}
	log, _ = stateRun(t, em, cfg)
	if !strings.Contains(log, `"sheet":"Leads","mode":"incremental"`) || strings.Contains(log, "migrated") {
		t.Errorf("after the migration, runs are incremental again:\n%s", log)
	}
}

// A column whose type changes is rewritten for every row, and its number
// format follows: a datetime column made a date shows dates, not
// "2024-01-15 00:00:00".
func TestColumnTypeChangeRewritesAndReformats(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 15, 2)

	cfg = writeMapping(t, strings.Replace(string(demoMapping), "{ header: Modified, field: Modified_Time }",
		"{ header: Modified, field: Modified_Time, type: date }", 1))
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, "mapping changed: 1 column changed (Modified) → full read")
	header, rows := tab(t, em, "Leads", "Zoho ID")
	col := indexOf(header, "Modified")
	for r := 1; r <= len(rows); r++ {
		c := em.sheets.Cell(em.spreadsheetID, "Leads", r, col)
		v, _ := c.Value.(float64)
		if !c.IsDate() || c.NumberFormat.Type != "DATE" || v != math.Floor(v) || v < 40000 {
			t.Errorf("row %d Modified = %+v, want a whole-day serial with a DATE format", r+1, c)
		}
	}
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Name": field("Full_Name")}, noted)
}

// A new on_delete applies to rows of records deleted before the change:
// rows kept under "keep" are marked once the mapping says "mark".
func TestOnDeleteChangeAppliesToEarlierDeletions(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 12, "Deals": 2})
	keep := strings.Replace(string(demoMapping), "on_delete: remove", "on_delete: keep", 1)
	cfg := writeMapping(t, keep)
	stateRun(t, em, cfg)
	em.zoho.Advance(time.Hour)
	ids := em.zoho.IDs("Leads")
	gone := []string{ids[1], ids[7]}
	for _, id := range gone {
		em.zoho.Delete("Leads", id)
	}
	stateRun(t, em, cfg)
	if _, rows := tab(t, em, "Leads", "Zoho ID"); len(rows) != len(ids) {
		t.Fatalf("on_delete keep: %d rows, want all %d", len(rows), len(ids))
	}

	cfg = writeMapping(t, strings.Replace(keep, "on_delete: keep", "on_delete: mark\n    mark_column: Gone", 1))
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, "mapping changed: on_delete changed, mark_column changed → full read")
	header, rows := tab(t, em, "Leads", "Zoho ID")
	if len(rows) != len(ids) {
		t.Fatalf("%d rows, want %d (live and marked)", len(rows), len(ids))
	}
	for _, id := range ids {
		mark := str(cell(header, rows[id], "Gone"))
		if slices.Contains(gone, id) != (mark == "deleted in Zoho") {
			t.Errorf("lead %s: mark %q", id, mark)
		}
		if rec, live := em.zoho.Record("Leads", id); live && str(cell(header, rows[id], "Name")) != str(rec["Full_Name"]) {
			t.Errorf("lead %s: name %v, want %v", id, cell(header, rows[id], "Name"), rec["Full_Name"])
		}
	}
}
