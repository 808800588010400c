package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A 150,000-record module (past Zoho's 100,000-record page-token chain and
// COQL's OFFSET cap) syncs with every lookup name on every row, and a
// lookup changed to a record without a name empties its cell.
func TestEndToEndLookupNamesOn150kRecords(t *testing.T) {
	const n = 150_000
	em := newEmulators(t, map[string]int{"Deals": n, "Accounts": 200, "Contacts": 200})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Deals
    on_delete: remove
    columns:
      - { header: Zoho ID, field: id }
      - { header: Account, field: Account_Name.name }
      - { header: Owner, field: Owner }
`)
	r := runBin(t, em.env, "--once", "--config", cfg, "--log-format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%.3000s", r.code, r.stderr)
	}
	// 75 COQL queries of 2,000 at 3 credits, plus users and the metadata
	// of Deals and of Accounts (whose renaming reaches the Account cells).
	if !strings.Contains(r.stderr, `"zoho_calls":78`) || !strings.Contains(r.stderr, `"zoho_credits":228`) {
		t.Errorf("summary does not show 78 calls and 228 credits:\n%.3000s", r.stderr)
	}
	header, rows := tab(t, em, "Deals", "Zoho ID")
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	// Every row has its owner's name; one row in 25 (6,000, the last
	// 50,000 included) is compared field by field with the CRM.
	var withAccount string
	for i, id := range em.zoho.IDs("Deals") {
		row := rows[id]
		if str(cell(header, row, "Owner")) == "" {
			t.Fatalf("deal %s (record %d) has no owner name", id, i)
		}
		if i%25 != 0 {
			continue
		}
		rec, _ := em.zoho.Record("Deals", id)
		for _, c := range []struct{ header, field string }{{"Account", "Account_Name"}, {"Owner", "Owner"}} {
			got, want := str(cell(header, row, c.header)), str(rec[c.field])
			if got != want {
				t.Fatalf("deal %s %s = %q, want %q", id, c.header, got, want)
			}
		}
		if withAccount == "" && rec["Account_Name"] != nil {
			withAccount = id
		}
	}

	// The deal's account changes to an account without a name.
	em.zoho.Advance(time.Hour)
	nameless := em.zoho.Create("Accounts", map[string]any{"Account_Name": nil})
	em.zoho.Update("Deals", withAccount, map[string]any{"Account_Name": map[string]any{"id": nameless, "name": ""}})
	if r := runBin(t, em.env, "--once", "--config", cfg, "--log-format", "json"); r.code != 0 {
		t.Fatalf("second run exit %d\n%.3000s", r.code, r.stderr)
	}
	for _, row := range em.sheets.Values(em.spreadsheetID, "Deals")[1:] {
		if fmt.Sprint(row[0]) == withAccount {
			if got := str(cell(header, row, "Account")); got != "" {
				t.Fatalf("deal %s Account = %q after the change to a nameless account, want empty", withAccount, got)
			}
			return
		}
	}
	t.Fatalf("deal %s has no row", withAccount)
}
