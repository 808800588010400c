package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	gsheets "google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
)

// onBody runs act once, just before the first Sheets request whose path
// holds path and whose body holds every one of subs is handled (a fault
// injected by act applies to that very request). It returns whether act ran.
func onBody(em *emulators, path string, act func(), subs ...string) (ran func() bool) {
	var done atomic.Bool
	em.sheets.OnRequest(func(r *http.Request) {
		if done.Load() {
			return
		}
		if !strings.Contains(r.URL.Path, path) || r.Body == nil {
			return
		}
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		for _, s := range subs {
			if !bytes.Contains(b, []byte(s)) {
				return
			}
		}
		if done.CompareAndSwap(false, true) {
			act()
		}
	})
	return done.Load
}

// personSvc is a Sheets client acting as a person with edit access.
func personSvc(t *testing.T, em *emulators) *gsheets.Service {
	t.Helper()
	svc, err := gsheets.NewService(context.Background(), option.WithEndpoint(em.sheets.URL()),
		option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: em.sheets.IssueToken(demoServiceAccount)})))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// titles lists the spreadsheet's tab titles, in order.
// nextRunConverges runs the sync an hour later and checks the spreadsheet
// then holds exactly the tabs want (titles, comma-separated, in order) and
// Leads the CRM's leads.
func nextRunConverges(t *testing.T, em *emulators, cfg, want, what string) {
	t.Helper()
	em.zoho.Advance(time.Hour)
	if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
		t.Fatalf("%s: next run exit %d\n%s", what, code, stderr)
	}
	if got := strings.Join(titles(em), ","); got != want {
		t.Fatalf("%s: tabs after the next run %s, want %s", what, got, want)
	}
	assertLeadsMatchCRM(t, em)
}

func titles(em *emulators) []string {
	var out []string
	for _, p := range em.sheets.Sheets(em.spreadsheetID) {
		out = append(out, p.Title)
	}
	return out
}

// The batch that creates a tab (AddSheet, then its header and formats)
// fails: applied with the answer lost, or not applied. The run re-reads
// and never leaves two tabs or a half-written one; the next run converges.
func TestQA14NewTabBatchFails(t *testing.T) {
	for _, f := range []sheetstest.Fault{
		{Status: http.StatusInternalServerError, AfterApply: true},
		{Status: http.StatusInternalServerError},
		{Drop: true, AfterApply: true},
		{Stall: true}, // applied, the answer never comes: --request-timeout
	} {
		em := newEmulators(t, map[string]int{"Leads": 30, "Deals": 2})
		cfg := writeMapping(t, string(demoMapping))
		f.Path = ":batchUpdate"
		onBody(em, ":batchUpdate", func() { em.sheets.InjectFault(f) }, `"addSheet"`, `"title":"Leads"`)
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--request-timeout", "1s")
		em.sheets.OnRequest(nil)
		if code != 0 {
			t.Fatalf("fault %+v: first run exit %d\n%s", f, code, stderr)
		}
		if em.sheets.Stats().Faults != 1 {
			t.Fatalf("fault %+v not met", f)
		}
		if got := strings.Join(titles(em), ","); got != "Sheet1,Leads,Deals,Sync status" {
			t.Fatalf("fault %+v: tabs %s\n%s", f, got, stderr)
		}
		assertLeadsMatchCRM(t, em)
		nextRunConverges(t, em, cfg, "Sheet1,Leads,Deals,Sync status", fmt.Sprintf("fault %+v", f))
	}
}

// A person makes a tab with the mapping's title between the run's read
// and its write: Google refuses the AddSheet (applying nothing), and the
// run reads again and writes into the person's tab, as the next run would.
func TestQA14PersonMakesTheTabFirst(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 5, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	onBody(em, ":batchUpdate", func() {
		if _, err := personSvc(t, em).Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{
			Requests: []*gsheets.Request{{AddSheet: &gsheets.AddSheetRequest{Properties: &gsheets.SheetProperties{Title: "Leads"}}}}}).Do(); err != nil {
			t.Error(err)
		}
	}, `"addSheet"`, `"title":"Leads"`)
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	em.sheets.OnRequest(nil)
	if code != 0 {
		t.Fatalf("exit %d: the refused AddSheet applied nothing; the run should adopt the person's tab\n%s", code, stderr)
	}
	if got := strings.Join(titles(em), ","); got != "Sheet1,Leads,Deals,Sync status" {
		t.Fatalf("tabs %s\n%s", got, stderr)
	}
	assertLeadsMatchCRM(t, em)
}

// A values:batchUpdate sent in parts is sent whole again on a retry (a
// 500 before applying, then after): the first run's block of new rows, an
// incremental run's updates and a new row land exactly once.
func TestQA14ValuesRetriedWhole(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 400, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	for run := 0; run < 2; run++ {
		// Before applying on the first run, after on the second.
		em.sheets.InjectFault(sheetstest.Fault{Path: "values:batchUpdate", Status: http.StatusInternalServerError, AfterApply: run == 1})
		if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, code, stderr)
		}
		if st := em.sheets.Stats(); st.Faults != run+1 {
			t.Fatalf("run %d: %d faults met", run, st.Faults)
		}
		assertLeadsMatchCRM(t, em)
		if run == 1 {
			break
		}
		em.zoho.Advance(time.Hour)
		for _, id := range em.zoho.IDs("Leads")[:150] {
			em.zoho.Update("Leads", id, map[string]any{"Company": "Acme " + id})
		}
		em.zoho.Create("Leads", map[string]any{"Last_Name": "New", "Company": "Newco"})
	}
}

// A snapshot tab's creating batch is applied but its answer lost: the run
// finds the tab it made by id and the week's snapshot is written once.
func TestQA14NewSnapshotTabBatchAmbiguous(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 6})
	cfg := writeMapping(t, pipelineMapping)
	ran := onBody(em, ":batchUpdate", func() {
		em.sheets.InjectFault(sheetstest.Fault{Path: ":batchUpdate", Status: http.StatusInternalServerError, AfterApply: true})
	}, `"addSheet"`, `"title":"Pipeline history"`)
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	em.sheets.OnRequest(nil)
	if !ran() || code != 0 {
		t.Fatalf("fault met %v, exit %d\n%s", ran(), code, stderr)
	}
	if got := strings.Join(titles(em), ","); got != "Sheet1,Pipeline,Pipeline history,Sync status" {
		t.Fatalf("tabs %s", got)
	}
	if vals := em.sheets.Values(em.spreadsheetID, "Pipeline history"); len(vals) != 7 {
		t.Fatalf("snapshot tab:\n%s", em.sheets.Table(em.spreadsheetID, "Pipeline history"))
	}
}

// Google's sheetId is an int32: a title whose hash has its low 31 bits
// set must not get id 2^31.
func TestQA14NewTabIDFitsInt32(t *testing.T) {
	const title = "Tab cvfvlb" // FNV-1a 32: low 31 bits all set
	h := fnv.New32a()
	h.Write([]byte(title))
	if h.Sum32()&math.MaxInt32 != math.MaxInt32 {
		t.Fatalf("%q no longer hashes to the edge", title)
	}
	em := newEmulators(t, map[string]int{"Leads": 3})
	cfg := writeMapping(t, strings.Replace(string(demoMapping), "  - module: Leads\n", "  - module: Leads\n    sheet: "+title+"\n", 1))
	if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--module", "Leads"); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, p := range em.sheets.Sheets(em.spreadsheetID) {
		if p.Title == title && (p.ID <= 0 || p.ID > math.MaxInt32) {
			t.Fatalf("sheetId %d", p.ID)
		}
	}
}

// The tab is deleted after an incremental run looked for it, and the batch
// recreating it (with the changed records only) is applied but its answer
// lost: the run must still know it made the tab, so that the next run
// reads in full and the tab ends holding every record.
func TestQA14RecreatedTabAmbiguousBatchForgetsCursor(t *testing.T) {
	em, cfg := syncedDemo(t, 12, 2)
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[3], map[string]any{"Company": "Changed"})
	var gets, faulted atomic.Int32
	em.sheets.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/"+em.spreadsheetID) && gets.Add(1) == 3 {
			em.sheets.DeleteSheet(em.spreadsheetID, "Leads") // after the job listed the tabs
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, ":batchUpdate") {
			b, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			if bytes.Contains(b, []byte(`"addSheet"`)) && bytes.Contains(b, []byte(`"title":"Leads"`)) && faulted.Add(1) == 1 {
				em.sheets.InjectFault(sheetstest.Fault{Path: ":batchUpdate", Status: http.StatusInternalServerError, AfterApply: true})
			}
		}
	})
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	em.sheets.OnRequest(nil)
	if code != 0 || faulted.Load() != 1 {
		t.Fatalf("exit %d, ambiguous AddSheet %d\n%s", code, faulted.Load(), stderr)
	}
	em.zoho.Advance(time.Hour)
	if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
		t.Fatalf("second run exit %d\n%s", code, stderr)
	}
	assertLeadsMatchCRM(t, em)
}

// The tab is deleted after an incremental run looked for it and a person
// makes an empty tab of the same title, before the run reads the tab or
// just before its AddSheet: the run writes its changed records there, and
// the next run must read in full so that the tab ends holding every record.
func TestQA14ReplacedTabMidRunReadsInFullNext(t *testing.T) {
	for _, atAddSheet := range []bool{false, true} {
		em, cfg := syncedDemo(t, 12, 2)
		em.zoho.Advance(time.Hour)
		em.zoho.Update("Leads", em.zoho.IDs("Leads")[3], map[string]any{"Company": "Changed"})
		makeTab := func() {
			if _, err := personSvc(t, em).Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{
				Requests: []*gsheets.Request{{AddSheet: &gsheets.AddSheetRequest{Properties: &gsheets.SheetProperties{Title: "Leads"}}}}}).Do(); err != nil {
				t.Error(err)
			}
		}
		var gets, made atomic.Int32
		em.sheets.OnRequest(func(r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/"+em.spreadsheetID) && gets.Add(1) == 3 {
				em.sheets.DeleteSheet(em.spreadsheetID, "Leads") // after the job listed the tabs
				if !atAddSheet && made.Add(1) == 1 {
					makeTab()
				}
			}
			if atAddSheet && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, ":batchUpdate") {
				b, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(b))
				if bytes.Contains(b, []byte(`"addSheet"`)) && bytes.Contains(b, []byte(`"title":"Leads"`)) && made.Add(1) == 1 {
					makeTab()
				}
			}
		})
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
		em.sheets.OnRequest(nil)
		if code != 0 || made.Load() == 0 {
			t.Fatalf("at AddSheet %v: exit %d, tab made %d\n%s", atAddSheet, code, made.Load(), stderr)
		}
		nextRunConverges(t, em, cfg, "Sheet1,Deals,Sync status,Leads", fmt.Sprintf("at AddSheet %v", atAddSheet))
	}
}

// Titles whose hashes give one sheetId ("Tab 122789", "Tab 339192") or
// neighbouring ones ("Tab 3370", "Tab 451541"): four new tabs in one run
// each get their own id, and the next run follows each to its own tab.
func TestQA14NewTabIDsFromCollidingTitles(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2, "Contacts": 2, "Accounts": 2})
	entry := func(module, title string) string {
		return "  - module: " + module + "\n    sheet: " + title + "\n    columns:\n      - { header: Zoho ID, field: id }\n      - { header: Modified, field: Modified_Time }\n"
	}
	cfg := writeMapping(t, "spreadsheet_id: ${SPREADSHEET_ID}\nmodules:\n"+entry("Leads", "Tab 122789")+entry("Deals", "Tab 339192")+
		entry("Contacts", "Tab 3370")+entry("Accounts", "Tab 451541"))
	for run := 0; run < 2; run++ {
		if code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, code, stderr)
		}
		ids := map[int64]bool{}
		for _, p := range em.sheets.Sheets(em.spreadsheetID) {
			if ids[p.ID] {
				t.Fatalf("run %d: two tabs with sheetId %d", run, p.ID)
			}
			ids[p.ID] = true
		}
		for title, module := range map[string]string{"Tab 122789": "Leads", "Tab 339192": "Deals", "Tab 3370": "Contacts", "Tab 451541": "Accounts"} {
			if _, rows := tab(t, em, title, "Zoho ID"); len(rows) != em.zoho.Count(module) {
				t.Fatalf("run %d: tab %s holds %d rows, want %s's %d", run, title, len(rows), module, em.zoho.Count(module))
			}
		}
		em.zoho.Advance(time.Hour)
	}
}
