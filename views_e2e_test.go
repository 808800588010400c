package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// runAt runs Main in process with the job's clock on the emulated CRM's
// clock, so that relative dates and Modified_Time agree.
func runAt(t *testing.T, em *emulators, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	vars := map[string]string{"ZOHO2SHEETS_CACHE_DIR": t.TempDir()}
	for k, v := range em.env {
		vars[k] = v
	}
	e := env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &errb,
		stdin: strings.NewReader(""), now: em.zoho.Now}
	code = Main(context.Background(), args, e)
	return code, out.String(), errb.String()
}

const openPipeline = `spreadsheet_id: ${SPREADSHEET_ID}
timezone: Europe/Berlin
modules:
  - module: Deals
    sheet: Open pipeline
    filter: Stage not in ('Closed Won', 'Closed Lost', 'Closed Lost to Competition') and Amount >= 10000
    on_delete: %s
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name }
      - { header: Stage, field: Stage }
      - { header: Amount, field: Amount }
      - { header: Industry, field: Account_Name.Industry }
`

// openDeal says whether a deal belongs in the Open pipeline tab.
func openDeal(rec map[string]any) bool {
	stage, _ := rec["Stage"].(string)
	amount, ok := rec["Amount"].(float64)
	return ok && amount >= 10000 && !strings.HasPrefix(stage, "Closed")
}

func matching(em *emulators, module string, match func(map[string]any) bool) []string {
	var out []string
	for _, id := range em.zoho.IDs(module) {
		if rec, _ := em.zoho.Record(module, id); match(rec) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func TestViewOpenPipeline(t *testing.T) {
	for _, od := range []string{"remove", "keep", "mark"} {
		t.Run(od, func(t *testing.T) {
			em := newEmulators(t, map[string]int{"Deals": 60, "Accounts": 10, "Contacts": 5})
			yaml := fmt.Sprintf(openPipeline, od)
			if od == "mark" {
				yaml = strings.Replace(yaml, "on_delete: mark", "on_delete: mark\n    mark_column: Gone", 1)
			}
			cfg := writeMapping(t, yaml)
			before := em.zoho.Stats().COQLRecords
			if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
				t.Fatalf("first run: exit %d\n%s", code, errs)
			}
			want := matching(em, "Deals", openDeal)
			if len(want) == 0 || len(want) == len(em.zoho.IDs("Deals")) {
				t.Fatalf("the seed gives %d open deals of %d: the test needs some of each", len(want), len(em.zoho.IDs("Deals")))
			}
			header, rows := tab(t, em, "Open pipeline", "Zoho ID")
			if got := sortedKeys(rows); !slices.Equal(got, want) {
				t.Fatalf("tab holds %v, want the open deals %v", got, want)
			}
			if got := em.zoho.Stats().COQLRecords - before; got != len(want) {
				t.Errorf("COQL returned %d records for %d open deals: the filter was not pushed down", got, len(want))
			}
			for id, row := range rows {
				rec, _ := em.zoho.Record("Deals", id)
				acct, _ := rec["Account_Name"].(map[string]any)
				wantInd := ""
				if acct != nil {
					a, _ := em.zoho.Record("Accounts", str(acct["id"]))
					wantInd = str(a["Industry"])
				}
				if got := str(cell(header, row, "Industry")); got != wantInd {
					t.Errorf("deal %s Industry = %q, want its account's %q", id, got, wantInd)
				}
			}

			// A human adds a note column and sorts; a deal closes, another
			// grows into the view.
			g, sid := em.sheets, em.spreadsheetID
			noteCol := len(header)
			g.InsertColumn(sid, "Open pipeline", noteCol, "Next step")
			leaving, staying := want[0], want[1]
			vals := g.Values(sid, "Open pipeline")
			for r := 1; r < len(vals); r++ {
				if k := fmt.Sprint(vals[r][0]); k == leaving || k == staying {
					g.SetCell(sid, "Open pipeline", r, noteCol, "=call "+k)
				}
			}
			g.SortRows(sid, "Open pipeline", indexOf(header, "Amount"), true)
			var entering string
			for _, id := range em.zoho.IDs("Deals") {
				rec, _ := em.zoho.Record("Deals", id)
				if stage, _ := rec["Stage"].(string); !openDeal(rec) && !strings.HasPrefix(stage, "Closed") {
					entering = id
					break
				}
			}
			if entering == "" {
				t.Fatal("no open deal below 10000 in the seed")
			}
			em.zoho.Advance(time.Hour)
			em.zoho.Update("Deals", leaving, map[string]any{"Stage": "Closed Won"})
			em.zoho.Update("Deals", entering, map[string]any{"Amount": 50000.0})
			deleted := want[2]
			em.zoho.Delete("Deals", deleted)

			code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json")
			if code != 0 || !strings.Contains(errs, `"mode":"incremental"`) {
				t.Fatalf("second run: exit %d, want an incremental run\n%s", code, errs)
			}
			header, rows = tab(t, em, "Open pipeline", "Zoho ID")
			if _, ok := rows[entering]; !ok {
				t.Errorf("deal %s grew to 50000 but did not appear", entering)
			}
			row, kept := rows[leaving]
			switch od {
			case "remove":
				if kept {
					t.Errorf("deal %s closed but its row stayed", leaving)
				}
			case "keep":
				if !kept || str(cell(header, row, "Stage")) == "Closed Won" {
					t.Errorf("deal %s: row kept %v, stage %q: keep leaves the row as it was", leaving, kept, str(cell(header, row, "Stage")))
				}
			case "mark":
				if !kept || str(cell(header, row, "Gone")) != "no longer in this view" {
					t.Errorf("deal %s: row kept %v, mark %q", leaving, kept, str(cell(header, row, "Gone")))
				}
			}
			if _, ok := rows[deleted]; ok == (od == "remove") {
				t.Errorf("deal %s deleted in Zoho: row present %v with on_delete %s", deleted, ok, od)
			}
			if a, ok := cell(header, rows[entering], "Amount").(float64); !ok || a != 50000 {
				t.Errorf("Amount of deal %s is %#v, want the number 50000", entering, cell(header, rows[entering], "Amount"))
			}
			if got := str(cell(header, rows[staying], "Next step")); got != "=call "+staying {
				t.Errorf("the note on deal %s is %q after the run", staying, got)
			}
			for k, r := range rows {
				if n := str(cell(header, r, "Next step")); n != "" && n != "=call "+k {
					t.Errorf("row %s carries the note %q of another row", k, n)
				}
			}
			if od == "remove" {
				if got, want := sortedKeys(rows), matching(em, "Deals", openDeal); !slices.Equal(got, want) {
					t.Errorf("tab holds %v, want the open deals %v", got, want)
				}
			}
		})
	}
}

// TestViewRelatedChangeReachesRows: an account's industry is edited, its
// contacts and deals are not; the next normal run shows the new industry on
// the contacts' rows, and a view of deals filtered on the industry gains
// and loses the account's deals.
func TestViewRelatedChangeReachesRows(t *testing.T) {
	em := newEmulators(t, map[string]int{"Contacts": 40, "Deals": 40, "Accounts": 6})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Contacts
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name }
      - { header: Account, field: Account_Name.name }
      - { header: Industry, field: Account_Name.Industry }
  - module: Deals
    sheet: Retail deals
    filter: Account_Name.Industry = 'Retail'
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name }
`)
	if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	accountOf := func(module, id string) string {
		rec, _ := em.zoho.Record(module, id)
		if a, ok := rec["Account_Name"].(map[string]any); ok {
			return str(a["id"])
		}
		return ""
	}
	var acct string
	for _, id := range em.zoho.IDs("Contacts") {
		if acct = accountOf("Contacts", id); acct != "" {
			break
		}
	}
	if acct == "" {
		t.Fatal("no contact has an account")
	}
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Accounts", acct, map[string]any{"Industry": "Retail"})
	code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(errs, `"sheet":"Contacts","mode":"incremental"`) {
		t.Fatalf("second run: exit %d, want an incremental run of Contacts\n%s", code, errs)
	}
	header, rows := tab(t, em, "Contacts", "Zoho ID")
	retail := func(rec map[string]any) bool {
		a, ok := rec["Account_Name"].(map[string]any)
		if !ok {
			return false
		}
		ar, _ := em.zoho.Record("Accounts", str(a["id"]))
		return str(ar["Industry"]) == "Retail"
	}
	for id, row := range rows {
		if accountOf("Contacts", id) == acct && str(cell(header, row, "Industry")) != "Retail" {
			t.Errorf("contact %s of the edited account shows %q", id, str(cell(header, row, "Industry")))
		}
	}
	_, view := tab(t, em, "Retail deals", "Zoho ID")
	if got, want := sortedKeys(view), matching(em, "Deals", retail); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("Retail deals holds %v, want %v", got, want)
	}
	gained := false
	for id := range view {
		gained = gained || accountOf("Deals", id) == acct
	}
	if !gained {
		t.Errorf("no deal of account %s entered Retail deals when the account became Retail", acct)
	}

	// The account leaves retail: its deals leave the view.
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Accounts", acct, map[string]any{"Industry": "Education"})
	if code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json"); code != 0 ||
		!strings.Contains(errs, `"sheet":"Retail deals","mode":"incremental"`) {
		t.Fatalf("third run: exit %d, want an incremental run of Retail deals\n%s", code, errs)
	}
	_, view = tab(t, em, "Retail deals", "Zoho ID")
	for id := range view {
		if accountOf("Deals", id) == acct {
			t.Errorf("deal %s stayed in Retail deals after its account became Education", id)
		}
	}
}

// TestViewFilterMistakes: every kind of filter mistake is reported with
// the file and line, by a run (syntax, limits) and by check (fields and
// types, against the live metadata); check counts the matches of a good
// filter.
func TestViewFilterMistakes(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 20, "Accounts": 3})
	head := "spreadsheet_id: ${SPREADSHEET_ID}\nmodules:\n  - module: Deals\n    sheet: V\n"
	cols := "    columns: [{ header: Zoho ID, field: id }]\n"
	for _, tt := range []struct {
		name, filter string
		cmd          string
		want         []string
	}{
		{"syntax", `filter: Stage = "Won"`, "--once", []string{":5: modules[0].filter: filter column 9", "single quotes"}},
		{"relative date", "filter: Closing_Date >= tody - 90d", "--once", []string{":5:", "did you mean today?"}},
		{"too many values", "filter: Stage in (" + strings.Repeat("'a', ", 50) + "'b')", "--once", []string{":5:", "COQL allows 50"}},
		{"too many conditions", "filter: " + strings.Repeat("Amount > 1 or ", 20) + "Amount > 2", "--once", []string{":5:", "more than 20 conditions"}},
		{"unknown field", "filter: Stag = 'Won'", "check", []string{":5: modules[0].filter: filter column 1: Stag: no such field", "did you mean Stage?"}},
		{"unknown related field", "filter: Account_Name.Industy = 'Retail'", "check", []string{":5:", "did you mean Industry?"}},
		{"wrong type", "filter: Amount >= '10000'", "check", []string{":5:", "write the number without quotes: 10000"}},
		{"unknown field at run time", "filter: Stag = 'Won'", "--once", []string{":5: modules[0].filter: filter column 1: Stag: no such field", "did you mean Stage?"}},
		{"date format", "filter: Closing_Date >= '30.06.2024'", "check", []string{":5:", "'YYYY-MM-DD'"}},
		{"same tab twice", "filter: Amount > 5\n" + cols + "  - module: Deals\n    sheet: v", "--once", []string{":8: modules[1].sheet", "first at line 4"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeMapping(t, head+"    "+tt.filter+"\n"+cols)
			code, out, errs := runAt(t, em, tt.cmd, "--config", cfg)
			if code == 0 {
				t.Fatalf("%s accepted the mistake\n%s%s", tt.cmd, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out+errs, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errs)
				}
			}
			if !strings.Contains(out+errs, cfg+":") {
				t.Errorf("output does not name %s:\n%s%s", cfg, out, errs)
			}
		})
	}
	cfg := writeMapping(t, head+"    filter: Stage = 'Closed Won' or Amount between 0 and 100000\n"+cols)
	code, out, errs := runAt(t, em, "check", "--config", cfg)
	n := len(matching(em, "Deals", func(r map[string]any) bool {
		a, ok := r["Amount"].(float64)
		return r["Stage"] == "Closed Won" || ok && a <= 100000
	}))
	if code != 0 || !strings.Contains(out, fmt.Sprintf("filter matches %d record(s) now", n)) ||
		!strings.Contains(out, `tab "V" reads through COQL`) {
		t.Errorf("check: exit %d, want the count %d\n%s%s", code, n, out, errs)
	}
}

// TestViewWindowMovesAndTwoTabsOfOneModule: two tabs of Deals, one of them
// the deals closing within 30 days. Ten days pass and no record changes:
// the window's tab is read again (its rows aged in and out), the other tab
// stays incremental, each on its own state.
func TestViewWindowMovesAndTwoTabsOfOneModule(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 120})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
timezone: Europe/Berlin
modules:
  - module: Deals
    sheet: Closing soon
    filter: Closing_Date between today and today + 30d
    columns:
      - { header: Zoho ID, field: id }
      - { header: Closing, field: Closing_Date }
  - module: Deals
    sheet: All deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name }
`)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	window := func() []string {
		today := em.zoho.Now().In(berlin)
		lo, hi := today.Format(time.DateOnly), today.AddDate(0, 0, 30).Format(time.DateOnly)
		return matching(em, "Deals", func(r map[string]any) bool {
			d := str(r["Closing_Date"])
			return d >= lo && d <= hi
		})
	}
	if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, errs)
	}
	_, rows := tab(t, em, "Closing soon", "Zoho ID")
	want := window()
	if got := sortedKeys(rows); !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("Closing soon holds %v, want %v", got, want)
	}
	em.zoho.Advance(10 * 24 * time.Hour)
	code, _, errs := runAt(t, em, "--once", "--config", cfg, "--log-format", "json")
	if code != 0 || !strings.Contains(errs, `"sheet":"Closing soon","mode":"full"`) ||
		!strings.Contains(errs, `"sheet":"All deals","mode":"incremental"`) ||
		!strings.Contains(errs, "the filter's relative dates moved") {
		t.Fatalf("second run: exit %d, want Closing soon in full (window moved), All deals incremental\n%s", code, errs)
	}
	moved := window()
	if slices.Equal(moved, want) {
		t.Fatal("ten days moved no deal in or out of the window: the test proves nothing")
	}
	if _, rows = tab(t, em, "Closing soon", "Zoho ID"); !slices.Equal(sortedKeys(rows), moved) {
		t.Errorf("after ten days Closing soon holds %v, want %v", sortedKeys(rows), moved)
	}
	if _, all := tab(t, em, "All deals", "Zoho ID"); len(all) != 120 {
		t.Errorf("All deals holds %d rows, want 120", len(all))
	}
}

// TestViewKilledMidWriteThenRerunEndsExact: a run of a filtered tab killed
// as it writes leaves no half view behind once rerun: the tab holds exactly
// the matching records, each once.
func TestViewKilledMidWriteThenRerunEndsExact(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 300, "Accounts": 10})
	cfg := writeMapping(t, fmt.Sprintf(openPipeline, "remove"))
	if r := runBin(t, em.env, "--once", "--config", cfg); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	open := matching(em, "Deals", openDeal)
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Deals", open[0], map[string]any{"Stage": "Closed Lost"})
	for _, id := range em.zoho.IDs("Deals")[:40] {
		em.zoho.Update("Deals", id, map[string]any{"Amount": 77777.0, "Stage": "Negotiation/Review"})
	}

	killed := runBinHitAtFirstWrite(t, em, func(p *os.Process) { p.Kill() }, "--once", "--config", cfg)
	if !killed {
		t.Fatal("the run never reached a write")
	}
	expireLeases(t, em)
	if r := runBin(t, em.env, "--once", "--config", cfg); r.code != 0 {
		t.Fatalf("rerun: exit %d\n%s", r.code, r.stderr)
	}
	_, rows := tab(t, em, "Open pipeline", "Zoho ID") // fails on a duplicate row
	if got, want := sortedKeys(rows), matching(em, "Deals", openDeal); !slices.Equal(got, want) {
		t.Errorf("after the rerun the tab holds %v, want %v", got, want)
	}
}

// TestShippedViewExampleWorks: the commented view in the shipped
// mapping.yaml, uncommented, passes check and syncs exactly the open deals
// of 10,000 or more.
func TestShippedViewExampleWorks(t *testing.T) {
	src, err := os.ReadFile("mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	start := slices.Index(lines, "  # - module: Deals")
	if start < 0 {
		t.Fatal("mapping.yaml has no commented view example")
	}
	for i := start; i < len(lines) && strings.HasPrefix(lines[i], "  # "); i++ {
		lines[i] = "  " + strings.TrimPrefix(lines[i], "  # ")
	}
	cfg := writeMapping(t, strings.Join(lines, "\n"))
	em := newEmulators(t, map[string]int{"Leads": 3, "Contacts": 3, "Accounts": 5, "Deals": 50})
	code, out, errs := runAt(t, em, "check", "--config", cfg)
	if code != 0 || !strings.Contains(out, `tab "Open pipeline": filter matches`) {
		t.Fatalf("check: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runAt(t, em, "--once", "--config", cfg); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errs)
	}
	want := matching(em, "Deals", func(r map[string]any) bool {
		a, ok := r["Amount"].(float64)
		return ok && a >= 10000 && r["Stage"] != "Closed Won" && r["Stage"] != "Closed Lost"
	})
	if _, rows := tab(t, em, "Open pipeline", "Zoho ID"); !slices.Equal(sortedKeys(rows), want) {
		t.Errorf("Open pipeline holds %v, want %v", sortedKeys(rows), want)
	}
}
