package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const pipelineMapping = `spreadsheet_id: ${SPREADSHEET_ID}
timezone: Europe/Berlin
modules:
  - module: Deals
    sheet: Pipeline
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name, link: true }
      - { header: Stage, field: Stage }
      - { header: Amount, field: Amount }
  - module: Deals
    sheet: Pipeline history
    mode: snapshot
    every: 1w
    keep: 26w
    columns:
      - { header: Zoho ID, field: id }
      - { header: Stage, field: Stage }
      - { header: Amount, field: Amount }
`

func TestWeeklyPipelineSnapshots(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 8})
	cfg := writeMapping(t, pipelineMapping)
	if code, stdout, _ := inProcess(t, em, nil, "check", "--config", cfg); code != 0 || !strings.Contains(stdout, `snapshot tab "Pipeline history": 8 records × 4 columns = 32 cells a week; with keep it levels off`) ||
		!strings.Contains(stdout, "ok    zoho: org currency USD $") {
		t.Fatalf("check exit %d:\n%s", code, stdout)
	}
	for range 2 { // twice in the same week: one snapshot
		code, _, stderr := inProcessAt(t, em, nil, em.zoho.Now, "--once", "--config", cfg)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		// Creating the history tab is not a tab deleted during the run.
		if strings.Contains(stderr, "was deleted during the run") {
			t.Fatalf("a false warning on a new snapshot tab:\n%s", stderr)
		}
	}
	vals := em.sheets.Values(em.spreadsheetID, "Pipeline history")
	if fmt.Sprint(vals[0]) != "[Snapshot Zoho ID Stage Amount]" || len(vals) != 9 {
		t.Fatalf("history after two runs in a week:\n%s", em.sheets.Table(em.spreadsheetID, "Pipeline history"))
	}
	if c := em.sheets.Cell(em.spreadsheetID, "Pipeline history", 1, 0); !c.IsDate() {
		t.Fatalf("stamp %+v", c)
	}
	// A week later: a second snapshot beside the first, which is not edited.
	em.zoho.Advance(7 * 24 * time.Hour)
	id := em.zoho.IDs("Deals")[0]
	em.zoho.Update("Deals", id, map[string]any{"Stage": "Closed Won"})
	if code, _, stderr := inProcessAt(t, em, nil, em.zoho.Now, "--once", "--config", cfg); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	vals = em.sheets.Values(em.spreadsheetID, "Pipeline history")
	if len(vals) != 17 {
		t.Fatalf("two weeks:\n%s", em.sheets.Table(em.spreadsheetID, "Pipeline history"))
	}
	won := 0
	for _, r := range vals[1:] {
		if r[1] == id && r[2] == "Closed Won" {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("the change shows in %d snapshots, want the new one only:\n%s", won, em.sheets.Table(em.spreadsheetID, "Pipeline history"))
	}
	if _, row := statusRow(t, em, "Pipeline history"); row[7] != "ok" || row[3] != 8.0 {
		t.Fatalf("status %v", row)
	}
}

// inProcessAt is inProcess with the run's clock.
func inProcessAt(t *testing.T, em *emulators, extra map[string]string, now func() time.Time, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return inProcessEnv(t, em, extra, func(e *env) { e.now = now }, args...)
}
