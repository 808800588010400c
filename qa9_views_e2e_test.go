package main

import (
	"strings"
	"testing"
	"time"
)

// TestRelatedNameChangeReachesRows: an account renamed in Zoho (its deals
// and contacts untouched) shows its new name in every row that names it on
// the next normal run, whether the column is the lookup itself or its
// name.
func TestRelatedNameChangeReachesRows(t *testing.T) {
	em := newEmulators(t, map[string]int{"Contacts": 30, "Deals": 30, "Accounts": 4})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Contacts
    columns:
      - { header: Zoho ID, field: id }
      - { header: Account, field: Account_Name.name }
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: Account, field: Account_Name }
`)
	if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	acct := em.zoho.IDs("Accounts")[0]
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Accounts", acct, map[string]any{"Account_Name": "Renamed Holding AG"})
	code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(errs, `"mode":"incremental"`) {
		t.Fatalf("second run: exit %d, want incremental runs\n%s", code, errs)
	}
	for _, module := range []string{"Contacts", "Deals"} {
		header, rows := tab(t, em, module, "Zoho ID")
		n := 0
		for id, row := range rows {
			rec, _ := em.zoho.Record(module, id)
			a, _ := rec["Account_Name"].(map[string]any)
			if a == nil || str(a["id"]) != acct {
				continue
			}
			n++
			if got := str(cell(header, row, "Account")); got != "Renamed Holding AG" {
				t.Errorf("%s %s: Account = %q after the account was renamed", module, id, got)
			}
		}
		if n == 0 {
			t.Fatalf("no %s row of account %s: the test needs one", module, acct)
		}
	}
}

// TestLookupNameTabWithoutCOQLScope: a refresh token minted before COQL
// (no ZohoCRM.coql.READ) still syncs a tab showing a lookup's name,
// incremental runs included: they read by Modified_Time through Get
// Records, as before views.
func TestLookupNameTabWithoutCOQLScope(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 30, "Accounts": 4})
	em.env["ZOHO_REFRESH_TOKEN"] = em.zoho.NewRefreshToken("ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ",
		"ZohoCRM.settings.fields.READ", "ZohoCRM.bulk.read", "ZohoCRM.users.READ")
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name }
      - { header: Account, field: Account_Name.name }
`)
	if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	id := em.zoho.IDs("Deals")[3]
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Deals", id, map[string]any{"Deal_Name": "Renewal 2027"})
	code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(errs, `"mode":"incremental"`) {
		t.Fatalf("second run: exit %d, want an incremental run\n%s", code, errs)
	}
	header, rows := tab(t, em, "Deals", "Zoho ID")
	if got := str(cell(header, rows[id], "Deal")); got != "Renewal 2027" {
		t.Errorf("deal %s shows %q after its renaming", id, got)
	}
}

// TestViewRecordMovesBetweenTabsAndBack: two views of Deals with on_delete
// mark. A deal that wins moves from "Open" to "Won" in one run (marked in
// Open); reopened later, it comes back to Open unmarked and is marked in
// Won. A deal that closes and reopens between two runs stays in Open,
// unmarked, with its latest values.
func TestViewRecordMovesBetweenTabsAndBack(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 60})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Deals
    sheet: Open
    filter: Stage not in ('Closed Won', 'Closed Lost')
    on_delete: mark
    mark_column: Gone
    columns:
      - { header: Zoho ID, field: id }
      - { header: Stage, field: Stage }
      - { header: Amount, field: Amount }
  - module: Deals
    sheet: Won
    filter: Stage = 'Closed Won'
    on_delete: mark
    mark_column: Gone
    columns:
      - { header: Zoho ID, field: id }
      - { header: Stage, field: Stage }
`)
	run := func(what string) {
		t.Helper()
		if code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json"); code != 0 {
			t.Fatalf("%s: exit %d\n%s", what, code, errs)
		}
	}
	run("first run")
	_, open := tab(t, em, "Open", "Zoho ID")
	var ids []string
	for _, id := range em.zoho.IDs("Deals") {
		if _, ok := open[id]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) < 2 {
		t.Fatal("the seed has fewer than 2 open deals")
	}
	mover, flipper := ids[0], ids[1]
	state := func(sheet, id string) (present bool, stage, gone string) {
		header, rows := tab(t, em, sheet, "Zoho ID")
		row, ok := rows[id]
		if !ok {
			return false, "", ""
		}
		return true, str(cell(header, row, "Stage")), str(cell(header, row, "Gone"))
	}

	em.zoho.Advance(time.Hour)
	em.zoho.Update("Deals", mover, map[string]any{"Stage": "Closed Won"})
	em.zoho.Update("Deals", flipper, map[string]any{"Stage": "Closed Lost"})
	em.zoho.Advance(time.Minute)
	em.zoho.Update("Deals", flipper, map[string]any{"Stage": "Negotiation/Review", "Amount": 777.0})
	run("second run")
	if ok, _, gone := state("Open", mover); !ok || gone != "no longer in this view" {
		t.Errorf("won deal in Open: present %v, Gone %q; want marked", ok, gone)
	}
	if ok, stage, gone := state("Won", mover); !ok || stage != "Closed Won" || gone != "" {
		t.Errorf("won deal in Won: present %v, stage %q, Gone %q", ok, stage, gone)
	}
	if ok, stage, gone := state("Open", flipper); !ok || stage != "Negotiation/Review" || gone != "" {
		t.Errorf("deal closed and reopened between runs: in Open %v, stage %q, Gone %q", ok, stage, gone)
	}

	em.zoho.Advance(time.Hour)
	em.zoho.Update("Deals", mover, map[string]any{"Stage": "Negotiation/Review"})
	run("third run")
	if ok, stage, gone := state("Open", mover); !ok || stage != "Negotiation/Review" || gone != "" {
		t.Errorf("reopened deal in Open: present %v, stage %q, Gone %q; want unmarked", ok, stage, gone)
	}
	if ok, _, gone := state("Won", mover); !ok || gone != "no longer in this view" {
		t.Errorf("reopened deal in Won: present %v, Gone %q; want marked", ok, gone)
	}
}

// TestCheckSaysWhereRelativeDatesResolve: without timezone: in the
// mapping, check counts a relative filter in UTC while runs use the
// spreadsheet's zone; it says so, and says nothing when the zone is set.
func TestCheckSaysWhereRelativeDatesResolve(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 10})
	const note = "relative dates in UTC here"
	for _, tz := range []string{"", "timezone: Europe/Berlin\n"} {
		cfg := writeMapping(t, "spreadsheet_id: ${SPREADSHEET_ID}\n"+tz+`modules:
  - module: Deals
    filter: Closing_Date >= today
    columns: [{ header: Zoho ID, field: id }]
`)
		code, out, errs := runAt(t, em, "check", "--config", cfg)
		if code != 0 || strings.Contains(out, note) != (tz == "") {
			t.Errorf("timezone %q: exit %d, note shown %v\n%s%s", tz, code, strings.Contains(out, note), out, errs)
		}
	}
}
