package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
)

// TestWeeksOfUse plays many small days: the CRM changes, the team edits
// the mapping, people rename, swap, delete and sort tabs and type notes,
// and now and then a run fails half-way. After every run that succeeds,
// both tabs must be exactly right.
func TestWeeksOfUse(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 15, "Deals": 6})
	rng := rand.New(rand.NewPCG(8, 8)) // other seeds pass too; this one swaps, deletes and fails runs
	tz := "Europe/Berlin"
	email, statusHdr := false, "Status"
	mapping := func() string {
		m := strings.Replace(string(demoMapping), "Europe/Berlin", tz, 1)
		m = strings.Replace(m, "{ header: Status, field: Lead_Status }", "{ header: "+statusHdr+", field: Lead_Status }", 1)
		if email {
			m = addColumns(m, "Email")
		}
		return m
	}
	leadsTab, dealsTab := "Leads", "Deals"
	noted := ""
	cfg := writeMapping(t, mapping())
	stateRun(t, em, cfg)
	noted = noteLead(t, em, leadsTab)

	var story []string
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("story:\n%s\n%s", strings.Join(story, "\n"), em.sheets.Table(em.spreadsheetID, leadsTab))
		}
	})
	// titleClash: a tab was deleted while the other tab carries its title.
	// The run must not write over that tab and must name it; the team then
	// renames it "<owner> back" and *ownerTab follows.
	titleClash := func(day int, title, owner string, ownerTab *string) {
		code, _, errs := inProcess(t, em, nil, "--once", "--config", writeMapping(t, mapping()))
		if code != 1 || !strings.Contains(errs, fmt.Sprintf(`the tab titled \"%s\" is the tab the sync writes for \"%s\"`, title, owner)) {
			t.Fatalf("%s\nrun exit %d, want 1 and the tab named as %s's\n%s", strings.Join(story, "\n"), code, owner, errs)
		}
		em.sheets.RenameSheet(em.spreadsheetID, *ownerTab, owner+" back")
		*ownerTab = owner + " back"
		story = append(story, fmt.Sprintf("day %d: the run said so; %s tab renamed %q", day, owner, *ownerTab))
	}
	for day := 1; day <= 30; day++ {
		em.zoho.Advance(11 * time.Minute)
		em.sheets.Advance(time.Minute)
		// The CRM changes a little every day.
		em.zoho.Create("Leads", map[string]any{"Last_Name": fmt.Sprintf("Day%d", day), "Full_Name": fmt.Sprintf("Lead of day %d", day), "Company": "Weekly"})
		ids := em.zoho.IDs("Leads")
		em.zoho.Update("Leads", ids[rng.IntN(len(ids))], map[string]any{"Lead_Status": fmt.Sprintf("Day %d", day)})
		if id := ids[rng.IntN(len(ids))]; id != noted && len(ids) > 8 {
			em.zoho.Delete("Leads", id)
		}
		if day%3 == 0 {
			em.zoho.Create("Deals", map[string]any{"Deal_Name": fmt.Sprintf("Deal %d", day), "Stage": "Qualification", "Amount": 10 * day})
		}
		fail := false
		args := []string{"--once", "--config", ""}
		switch ev := rng.IntN(14); ev {
		case 0:
			email = !email
			story = append(story, fmt.Sprintf("day %d: Email column %v", day, email))
		case 1:
			tz = map[string]string{"Europe/Berlin": "America/New_York", "America/New_York": "Europe/Berlin"}[tz]
			story = append(story, fmt.Sprintf("day %d: timezone %s", day, tz))
		case 2:
			statusHdr = map[string]string{"Status": "Lead status", "Lead status": "Status"}[statusHdr]
			story = append(story, fmt.Sprintf("day %d: status header %q", day, statusHdr))
		case 3:
			title := fmt.Sprintf("Leads %d", day)
			em.sheets.RenameSheet(em.spreadsheetID, leadsTab, title)
			leadsTab = title
			story = append(story, fmt.Sprintf("day %d: Leads tab renamed %q", day, title))
		case 4:
			em.sheets.RenameSheet(em.spreadsheetID, leadsTab, "swap")
			em.sheets.RenameSheet(em.spreadsheetID, dealsTab, leadsTab)
			em.sheets.RenameSheet(em.spreadsheetID, "swap", dealsTab)
			leadsTab, dealsTab = dealsTab, leadsTab
			story = append(story, fmt.Sprintf("day %d: titles swapped (Leads in %q, Deals in %q)", day, leadsTab, dealsTab))
		case 5:
			em.sheets.DeleteSheet(em.spreadsheetID, dealsTab)
			dealsTab = "Deals"
			story = append(story, fmt.Sprintf("day %d: Deals tab deleted", day))
			if leadsTab == "Deals" {
				// The Leads tab carries Deals' title: Deals must not
				// write over it, and says how to untangle the titles.
				titleClash(day, "Deals", "Leads", &leadsTab)
			}
		case 6:
			em.sheets.SortRows(em.spreadsheetID, leadsTab, 1, rng.IntN(2) == 0)
			story = append(story, fmt.Sprintf("day %d: Leads sorted", day))
		case 8:
			em.sheets.MoveColumn(em.spreadsheetID, leadsTab, 1, 3)
			story = append(story, fmt.Sprintf("day %d: a column moved in Leads", day))
		case 9:
			em.sheets.DeleteSheet(em.spreadsheetID, leadsTab)
			leadsTab, noted = "Leads", ""
			story = append(story, fmt.Sprintf("day %d: Leads tab deleted (with its note)", day))
			if dealsTab == "Leads" {
				titleClash(day, "Leads", "Deals", &dealsTab)
			}
		case 10:
			args = append(args, "--full")
			story = append(story, fmt.Sprintf("day %d: a --full run", day))
		case 11:
			args = append(args, "--since", "2020-01-01")
			story = append(story, fmt.Sprintf("day %d: a --since run", day))
		case 12:
			fail = true
			em.sheets.InjectFault(sheetstest.Fault{Method: http.MethodPost, Path: "values:batchUpdate", Status: http.StatusInternalServerError, AfterApply: true})
			story = append(story, fmt.Sprintf("day %d: a run's writes are applied but their answers lost", day))
		case 7:
			fail = true
			em.sheets.InjectFault(sheetstest.Fault{Method: http.MethodPost, Path: "values:batchUpdate", Status: http.StatusBadRequest})
			story = append(story, fmt.Sprintf("day %d: a run fails writing", day))
		}
		cfg = writeMapping(t, mapping())
		if fail {
			code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg)
			em.sheets.ClearFaults()
			if code != 1 && code != 0 {
				t.Fatalf("%s\nfailing run exit %d\n%s", strings.Join(story, "\n"), code, errs)
			}
			continue
		}
		args[2] = cfg
		code, _, errs := inProcess(t, em, nil, args...)
		if code != 0 {
			t.Fatalf("%s\nrun exit %d\n%s", strings.Join(story, "\n"), code, errs)
		}
		if t.Failed() {
			break
		}
		want := map[string]func(map[string]any) any{"Name": field("Full_Name"), statusHdr: field("Lead_Status"), "Modified": serialIn(t, tz)}
		if email {
			want["Email"] = field("Email")
		}
		titles := []string{}
		for _, s := range em.sheets.Sheets(em.spreadsheetID) {
			titles = append(titles, s.Title)
		}
		if !slices.Contains(titles, leadsTab) || !slices.Contains(titles, dealsTab) {
			t.Fatalf("%s\ntabs %v, want Leads in %q and Deals in %q", strings.Join(story, "\n"), titles, leadsTab, dealsTab)
		}
		if slices.Contains(args, "--since") {
			// A --since run leaves a mapping change to the next normal
			// run: only the rows are checked.
			_, rows := tab(t, em, leadsTab, "Zoho ID")
			if got, want := sortedKeys(rows), sortedSet(em.zoho.IDs("Leads")); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("Leads tab %q rows %v, want %v", leadsTab, got, want)
			}
		} else {
			assertExact(t, em, leadsTab, want, noted)
		}
		if noted == "" {
			noted = noteLead(t, em, leadsTab)
		}
		_, rows := tab(t, em, dealsTab, "Zoho ID")
		if got, want := sortedKeys(rows), sortedSet(em.zoho.IDs("Deals")); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s\nDeals tab %q rows %v, want %v", strings.Join(story, "\n"), dealsTab, got, want)
		}
		if t.Failed() {
			t.Fatalf("story:\n%s", strings.Join(story, "\n"))
		}
	}
	t.Logf("story:\n%s", strings.Join(story, "\n"))
}
