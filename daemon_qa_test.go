package main

import (
	"net/http"
	"strings"
	"testing"
)

// The spreadsheet is unshared while the daemon runs, then shared again:
// /healthz says why the run failed (it failed before any tab, taking the
// lease) and turns healthy once a run succeeds again, with no lease left.
func TestDaemonHealthzNamesWhyARunFailedBeforeAnyTab(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	d := startPausedDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), nil, "--metrics-addr", "127.0.0.1:0")
	addr := d.metricsAddr(t)
	d.waitPaused(t)
	em.sheets.Unshare(em.spreadsheetID, demoServiceAccount)
	d.nextRun(t)
	code, body := get(t, "http://"+addr+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "share the spreadsheet with "+demoServiceAccount) {
		t.Fatalf("healthz with the spreadsheet unshared = %d %q, want 503 saying to share it", code, body)
	}
	em.sheets.Share(em.spreadsheetID, demoServiceAccount)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": "Contacted"})
	d.nextRun(t)
	if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz once shared again = %d %q, want 200", code, body)
	}
	assertLeadsMatchCRM(t, em)
	if n := leaseEntries(em); n != 0 {
		t.Errorf("%d lease entries left between runs", n)
	}
}
