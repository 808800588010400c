package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// statusRow returns the status tab's row of a tab, found by name.
func statusRow(t *testing.T, em *emulators, tab string) (header, row []any) {
	t.Helper()
	vals := em.sheets.Values(em.spreadsheetID, "Sync status")
	if len(vals) == 0 {
		t.Fatal("no status tab")
	}
	for _, r := range vals[1:] {
		if len(r) > 0 && r[0] == tab {
			return vals[0], r
		}
	}
	t.Fatalf("no status row for %s:\n%s", tab, em.sheets.Table(em.spreadsheetID, "Sync status"))
	return nil, nil
}

func TestStatusTabAfterSuccessAndFailure(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))

	// A dry run writes nothing at all, status included.
	if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--dry-run"); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, s := range em.sheets.Sheets(em.spreadsheetID) {
		if s.Title != "Sheet1" {
			t.Fatalf("a dry run created tab %q", s.Title)
		}
	}

	if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	hdr, row := statusRow(t, em, "Leads")
	if fmt.Sprint(hdr) != "[Tab Module Last successful sync Records Added Updated Removed Result Next run]" {
		t.Fatalf("status header %v", hdr)
	}
	if row[1] != "Leads" || row[3] != 5.0 || row[4] != 5.0 || row[7] != "ok" {
		t.Fatalf("after a success: %v", row)
	}
	if c := em.sheets.Cell(em.spreadsheetID, "Sync status", 1, 2); !c.IsDate() {
		t.Fatalf("last success is not a date-time cell: %+v", c)
	}
	if c := em.sheets.Cell(em.spreadsheetID, "Leads", 0, 0); !strings.HasPrefix(c.Note, "Synced from Zoho CRM Leads · updated ") {
		t.Fatalf("key header note %+v", c)
	}
	leadsBefore := em.sheets.Table(em.spreadsheetID, "Leads")
	okNote := em.sheets.Cell(em.spreadsheetID, "Leads", 0, 0).Note

	// A person sorts the status tab; then the refresh token is revoked.
	em.sheets.SortRows(em.spreadsheetID, "Sync status", 0, true)
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": "Junk Lead"})
	em.zoho.RevokeRefreshToken()
	code, _, _ := inProcess(t, em, nil, "--once", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	_, row = statusRow(t, em, "Leads")
	res := fmt.Sprint(row[7])
	if !strings.HasPrefix(res, "failed since ") || !strings.Contains(res, "zoho2sheets auth") {
		t.Fatalf("after a failure: %q", res)
	}
	if row[2] == "" || row[2] == nil {
		t.Fatalf("the last success was lost: %v", row)
	}
	if got := em.sheets.Table(em.spreadsheetID, "Leads"); got != leadsBefore {
		t.Fatalf("a failed run touched the data rows:\n%s\nwas\n%s", got, leadsBefore)
	}
	if c := em.sheets.Cell(em.spreadsheetID, "Leads", 0, 0); c.Note != okNote {
		t.Fatalf("a failed run changed the freshness note: %q", c.Note)
	}
	if n := len(em.sheets.Values(em.spreadsheetID, "Sync status")); n != 3 {
		t.Fatalf("status rows duplicated after a sort: %d rows", n)
	}
	if f := em.sheets.Formulas(em.spreadsheetID, "Sync status"); len(f) != 0 {
		t.Fatalf("formulas in the status tab: %v", f)
	}
}

func TestTokenWithoutOrgScopeStillSyncs(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	old := map[string]string{"ZOHO_REFRESH_TOKEN": em.zoho.NewRefreshToken("ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ",
		"ZohoCRM.settings.fields.READ", "ZohoCRM.bulk.read", "ZohoCRM.coql.READ", "ZohoCRM.users.READ")}
	code, stdout, _ := inProcess(t, em, old, "check", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "warn  zoho: cannot read the org settings") || !strings.Contains(stdout, "zoho2sheets auth") {
		t.Fatalf("check exit %d:\n%s", code, stdout)
	}
	code, _, stderr := inProcess(t, em, old, "--once", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(stderr, "could not read the CRM organisation") {
		t.Fatalf("run exit %d:\n%s", code, stderr)
	}
	if c := em.sheets.Cell(em.spreadsheetID, "Leads", 1, 1); c.Link != "" || c.Value == nil {
		t.Fatalf("a link without the org: %+v", c)
	}
}
