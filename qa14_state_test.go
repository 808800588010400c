package main

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	gsheets "google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
)

// stateEntries returns the values of the tab's state entries.
func stateEntries(em *emulators, tab string) (ids []int64, vals []string) {
	for _, m := range em.sheets.Metadata(em.spreadsheetID) {
		if m.Key == sheets.TabStateKeyPrefix+tab {
			ids, vals = append(ids, m.ID), append(vals, m.Value)
		}
	}
	return ids, vals
}

// Another program deletes, or doubles, a tab's state entry while a run
// writes the tab: the run's save (one request when nothing changed)
// still leaves exactly one entry, holding the run's cursor, and the next
// run is incremental.
func TestQA14StateChangedMidRun(t *testing.T) {
	for _, how := range []string{"deleted", "doubled"} {
		em, cfg := syncedDemo(t, 12, 2)
		ids, vals := stateEntries(em, "Leads")
		if len(ids) != 1 {
			t.Fatalf("%d Leads state entries after the first run", len(ids))
		}
		em.zoho.Advance(time.Hour)
		em.zoho.Update("Leads", em.zoho.IDs("Leads")[2], map[string]any{"Company": "Changed"})
		ran := onBody(em, "values:batchUpdate", func() {
			if how == "deleted" {
				em.sheets.DeleteMetadata(em.spreadsheetID, ids[0])
				return
			}
			if _, err := personSvc(t, em).Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{Requests: []*gsheets.Request{{
				CreateDeveloperMetadata: &gsheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &gsheets.DeveloperMetadata{
					MetadataKey: sheets.TabStateKeyPrefix + "Leads", MetadataValue: vals[0], Visibility: "DOCUMENT",
					Location: &gsheets.DeveloperMetadataLocation{Spreadsheet: true}}}}}}).Do(); err != nil {
				t.Error(err)
			}
		}, "Changed")
		log, _ := stateRun(t, em, cfg)
		em.sheets.OnRequest(nil)
		if !ran() {
			t.Fatalf("%s: no values write named the changed lead", how)
		}
		if !strings.Contains(log, `"sheet":"Leads","mode":"incremental"`) {
			t.Fatalf("%s: the run was not incremental:\n%s", how, log)
		}
		_, after := stateEntries(em, "Leads")
		if how == "deleted" && (len(after) != 1 || after[0] == vals[0]) {
			t.Fatalf("%s: state entries after the run: %q (before %q)", how, after, vals[0])
		}
		em.zoho.Advance(time.Hour)
		log, _ = stateRun(t, em, cfg)
		if !strings.Contains(log, `"sheet":"Leads","mode":"incremental"`) {
			t.Fatalf("%s: the next run:\n%s", how, log)
		}
		if ids, _ := stateEntries(em, "Leads"); len(ids) != 1 {
			t.Fatalf("%s: %d Leads state entries after the next run", how, len(ids))
		}
		assertLeadsMatchCRM(t, em)
	}
}

// A daemon's runs share one Spreadsheet: a state entry deleted, then
// doubled, by another program between runs is found by each run's own
// read, and every run leaves exactly one entry per tab.
func TestQA14DaemonStateBetweenRuns(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 6, "Deals": 2})
	// Changes land between runs: the daemon is held after each run while
	// they are made (waiting for no run in progress would not do: the next
	// tick could start one meanwhile), then the next run is let go.
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil)
	d.waitPaused(t)
	between := func(f func()) {
		f()
		d.nextRun(t)
	}
	between(func() {
		ids, _ := stateEntries(em, "Leads")
		for _, id := range ids {
			em.sheets.DeleteMetadata(em.spreadsheetID, id)
		}
		em.zoho.Create("Leads", map[string]any{"Last_Name": "Between", "Company": "Runs"})
	})
	between(func() {
		_, vals := stateEntries(em, "Deals")
		if _, err := personSvc(t, em).Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{Requests: []*gsheets.Request{{
			CreateDeveloperMetadata: &gsheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &gsheets.DeveloperMetadata{
				MetadataKey: sheets.TabStateKeyPrefix + "Deals", MetadataValue: vals[0], Visibility: "DOCUMENT",
				Location: &gsheets.DeveloperMetadataLocation{Spreadsheet: true}}}}}}).Do(); err != nil {
			t.Fatal(err)
		}
	})
	d.gate.resume()
	d.signals <- os.Interrupt
	if code := <-d.done; code != 0 {
		t.Fatalf("daemon exit %d\n%s", code, d.logs.String())
	}
	d.done <- 0
	for _, tab := range []string{"Leads", "Deals"} {
		if ids, _ := stateEntries(em, tab); len(ids) != 1 {
			t.Fatalf("%d %s state entries\n%s", len(ids), tab, d.logs.String())
		}
	}
	if strings.Contains(d.logs.String(), `"level":"error"`) {
		t.Fatalf("errors:\n%s", d.logs.String())
	}
	assertLeadsMatchCRM(t, em)
}

// A new tab's state is created without a search: when that create fails
// ambiguously (applied or not), the run still ends with one entry.
func TestQA14StateCreateAmbiguous(t *testing.T) {
	for _, after := range []bool{true, false} {
		em := newEmulators(t, map[string]int{"Leads": 4, "Deals": 2})
		cfg := writeMapping(t, string(demoMapping))
		ran := onBody(em, ":batchUpdate", func() {
			em.sheets.InjectFault(sheetstest.Fault{Path: ":batchUpdate", Status: http.StatusInternalServerError, AfterApply: after})
		}, `"createDeveloperMetadata"`, sheets.TabStateKeyPrefix+"Leads")
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
		em.sheets.OnRequest(nil)
		if !ran() || code != 0 {
			t.Fatalf("after apply %v: fault met %v, exit %d\n%s", after, ran(), code, stderr)
		}
		if ids, _ := stateEntries(em, "Leads"); len(ids) != 1 {
			t.Fatalf("after apply %v: %d Leads state entries", after, len(ids))
		}
	}
}

// Two tabs of one module and the module's legacy per-module entry: the
// first tab's save takes it over and deletes it; the second tab's state is
// created without a search. One entry per tab, none per module, after.
func TestQA14LegacyStateTwoTabsOfOneModule(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 4})
	cfg := writeMapping(t, pipelineMapping)
	stateRun(t, em, cfg)
	var reqs []*gsheets.Request
	for _, m := range em.sheets.Metadata(em.spreadsheetID) {
		if sheet, ok := strings.CutPrefix(m.Key, sheets.TabStateKeyPrefix); ok {
			reqs = append(reqs, &gsheets.Request{DeleteDeveloperMetadata: &gsheets.DeleteDeveloperMetadataRequest{DataFilter: &gsheets.DataFilter{
				DeveloperMetadataLookup: &gsheets.DeveloperMetadataLookup{MetadataId: m.ID}}}})
			if sheet == "Pipeline" {
				reqs = append(reqs, &gsheets.Request{CreateDeveloperMetadata: &gsheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &gsheets.DeveloperMetadata{
					MetadataKey: sheets.StateKeyPrefix + "Deals", MetadataValue: `{"module":"Deals","cursor":"2020-01-01T00:00:00Z","last_status":"ok","rows":4}`,
					Visibility: "DOCUMENT", Location: &gsheets.DeveloperMetadataLocation{Spreadsheet: true}}}})
			}
		}
	}
	if _, err := personSvc(t, em).Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{Requests: reqs}).Do(); err != nil {
		t.Fatal(err)
	}
	em.zoho.Advance(24 * 8 * time.Hour)
	for run := 0; run < 2; run++ {
		log, _ := stateRun(t, em, cfg)
		if strings.Contains(log, `"level":"error"`) {
			t.Fatalf("run %d:\n%s", run, log)
		}
		var keys []string
		for _, m := range em.sheets.Metadata(em.spreadsheetID) {
			if strings.HasPrefix(m.Key, sheets.TabStateKeyPrefix) || strings.HasPrefix(m.Key, sheets.StateKeyPrefix) {
				keys = append(keys, m.Key)
			}
		}
		slices.Sort(keys)
		if want := []string{sheets.TabStateKeyPrefix + "Pipeline", sheets.TabStateKeyPrefix + "Pipeline history"}; !slices.Equal(keys, want) {
			t.Fatalf("run %d: state keys %q, want %q", run, keys, want)
		}
		if _, rows := tab(t, em, "Pipeline", "Zoho ID"); len(rows) != 4 {
			t.Fatalf("run %d: %d pipeline rows", run, len(rows))
		}
		em.zoho.Advance(24 * 8 * time.Hour)
	}
}
