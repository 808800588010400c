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
  - module: Contacts
    sheet: Tagged # Tag: read through Get Records
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name }
      - { header: Account, field: Account_Name.name }
      - { header: Tags, field: Tag.name, join: ", " }
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
	for _, sheet := range []string{"Contacts", "Deals", "Tagged"} {
		module := map[string]string{"Tagged": "Contacts"}[sheet]
		if module == "" {
			module = sheet
		}
		header, rows := tab(t, em, sheet, "Zoho ID")
		n := 0
		for id, row := range rows {
			rec, _ := em.zoho.Record(module, id)
			a, _ := rec["Account_Name"].(map[string]any)
			if a == nil || str(a["id"]) != acct {
				continue
			}
			n++
			if got := str(cell(header, row, "Account")); got != "Renamed Holding AG" {
				t.Errorf("%s %s: Account = %q after the account was renamed", sheet, id, got)
			}
			if sheet == "Tagged" && str(cell(header, row, "Name")) != str(rec["Full_Name"]) {
				t.Errorf("%s %s: Name = %q, want %q", sheet, id, str(cell(header, row, "Name")), str(rec["Full_Name"]))
			}
		}
		if n == 0 {
			t.Fatalf("no %s row of account %s: the test needs one", sheet, acct)
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

// TestCheckSaysWhereRelativeDatesResolve: check counts a relative filter
// in the zone runs use — timezone: from the mapping, else the
// spreadsheet's own — and says which.
func TestCheckSaysWhereRelativeDatesResolve(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 10})
	for tz, want := range map[string]string{
		"":                         "relative dates in Europe/Berlin, the spreadsheet's time zone, as runs count them",
		"timezone: Asia/Kolkata\n": "relative dates in Asia/Kolkata (timezone:)",
	} {
		cfg := writeMapping(t, "spreadsheet_id: ${SPREADSHEET_ID}\n"+tz+`modules:
  - module: Deals
    filter: Closing_Date >= today
    columns: [{ header: Zoho ID, field: id }]
`)
		code, out, errs := runAt(t, em, "check", "--config", cfg)
		if code != 0 || !strings.Contains(out, want) || strings.Contains(out, "UTC here") {
			t.Errorf("timezone %q: exit %d, want %q\n%s%s", tz, code, want, out, errs)
		}
	}
}

// TestViewBulkUpdateSharingOneModifiedTime: a mass update in Zoho gives
// thousands of records one Modified_Time. On the next incremental run
// every deal that left the view leaves and every one that entered
// appears: no record is lost or doubled across COQL's 2,000-row pages.
func TestViewBulkUpdateSharingOneModifiedTime(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 9000})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Deals
    sheet: Open
    filter: Stage not in ('Closed Won', 'Closed Lost', 'Closed Lost to Competition')
    columns:
      - { header: Zoho ID, field: id }
      - { header: Stage, field: Stage }
`)
	if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	_, rows := tab(t, em, "Open", "Zoho ID")
	var open, closed []string
	for _, id := range em.zoho.IDs("Deals") {
		if _, ok := rows[id]; ok {
			open = append(open, id)
		} else {
			closed = append(closed, id)
		}
	}
	if len(open) < 2100 || len(closed) < 100 {
		t.Fatalf("seed: %d open, %d closed deals", len(open), len(closed))
	}
	em.zoho.Advance(time.Hour)
	for _, id := range open[:2100] { // one mass update: one Modified_Time
		em.zoho.Update("Deals", id, map[string]any{"Stage": "Closed Won"})
	}
	for _, id := range closed[:100] {
		em.zoho.Update("Deals", id, map[string]any{"Stage": "Qualification"})
	}
	code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(errs, `"mode":"incremental"`) {
		t.Fatalf("second run: exit %d, want incremental\n%s", code, errs)
	}
	_, rows = tab(t, em, "Open", "Zoho ID")
	want := append(append([]string{}, open[2100:]...), closed[:100]...)
	if n := len(em.sheets.Values(em.spreadsheetID, "Open")) - 1; n != len(want) || len(rows) != len(want) {
		t.Errorf("Open holds %d rows of %d deals, want %d", n, len(rows), len(want))
	}
	for _, id := range want {
		if _, ok := rows[id]; !ok {
			t.Fatalf("open deal %s is missing", id)
		}
	}
}

// TestViewTodayEndsAtMidnightInTheMappingsZone: "created today" on a
// datetime field follows the mapping's timezone: a lead created ten
// minutes before midnight in Auckland leaves the view twenty minutes
// later, with no record changed, although it is still the same day in UTC.
func TestViewTodayEndsAtMidnightInTheMappingsZone(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 20})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
timezone: Pacific/Auckland
modules:
  - module: Leads
    sheet: New today
    filter: Created_Time >= today
    columns:
      - { header: Zoho ID, field: id }
      - { header: Created, field: Created_Time }
`)
	auckland, _ := time.LoadLocation("Pacific/Auckland")
	now := em.zoho.Now().In(auckland)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, auckland)
	em.zoho.Advance(midnight.Sub(now) - 10*time.Minute)
	if utc := em.zoho.Now().UTC(); utc.Add(20*time.Minute).Day() != utc.Day() {
		t.Fatalf("the test needs Auckland's midnight away from UTC's (now %s)", utc)
	}
	id := em.zoho.Create("Leads", map[string]any{"Last_Name": "Late", "Company": "Kiwi Ltd"})
	if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	if _, rows := tab(t, em, "New today", "Zoho ID"); len(rows) != 1 || rows[id] == nil {
		t.Fatalf("before midnight New today holds %v, want only %s", sortedKeys(rows), id)
	}
	em.zoho.Advance(20 * time.Minute)
	code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(errs, "the filter's relative dates moved") {
		t.Fatalf("run after midnight: exit %d, want a full read as the day moved\n%s", code, errs)
	}
	if _, rows := tab(t, em, "New today", "Zoho ID"); len(rows) != 0 {
		t.Errorf("after midnight in Auckland New today holds %v, want none", sortedKeys(rows))
	}
}
