package main

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A person renames a synced tab while the run writes the status tab
// (after it listed the tabs, before it reads their key headers): the
// status row and the freshness note are still written.
func TestQA14TabRenamedDuringStatusWrite(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 3})
	cfg := writeMapping(t, pipelineMapping)
	if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	em.sheets.SetNote(em.spreadsheetID, "Pipeline", 0, 0, "")
	em.zoho.Advance(time.Hour)
	var renamed atomic.Bool
	em.sheets.OnRequest(func(r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "effectiveValue") && renamed.CompareAndSwap(false, true) {
			em.sheets.RenameSheet(em.spreadsheetID, "Pipeline", "Pipeline (team)")
		}
	})
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	em.sheets.OnRequest(nil)
	if !renamed.Load() || code != 0 {
		t.Fatalf("renamed %v, exit %d\n%s", renamed.Load(), code, stderr)
	}
	if strings.Contains(stderr, "could not update the status tab") {
		t.Fatalf("the status write failed:\n%s", stderr)
	}
	if n := em.sheets.Cell(em.spreadsheetID, "Pipeline (team)", 0, 0).Note; !strings.HasPrefix(n, "Synced from Zoho CRM Deals") {
		t.Fatalf("freshness note %q\n%s", n, stderr)
	}
}
