package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	gsheets "google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
)

// Scenarios a user's weeks of real use bring, beyond one change at a time.

func addColumns(mapping string, cols ...string) string {
	add := ""
	for _, c := range cols {
		add += "      - { header: " + c + ", field: " + c + " }\n"
	}
	return strings.Replace(mapping, "      - { header: Modified, field: Modified_Time }\n",
		"      - { header: Modified, field: Modified_Time }\n"+add, 1)
}

func TestWorldRenamedAndColumnAdded(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 12, 2)
	em.sheets.RenameSheet(em.spreadsheetID, "Leads", "Leads (EU)")
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[3], map[string]any{"Lead_Status": "Contacted"})
	cfg = writeMapping(t, addColumns(string(demoMapping), "Email"))
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "log", log, "following it", "1 column added (Email) → full read")
	assertExact(t, em, "Leads (EU)", map[string]func(map[string]any) any{"Email": field("Email"), "Status": field("Lead_Status")}, noted)
	// Sheet1, the renamed Leads, Deals and the status tab: no second "Leads".
	var titles []string
	for _, p := range em.sheets.Sheets(em.spreadsheetID) {
		titles = append(titles, p.Title)
	}
	if !slices.Equal(titles, []string{"Sheet1", "Leads (EU)", "Deals", "Sync status"}) {
		t.Fatalf("tabs %q", titles)
	}
}

// A first edit's run fails half-way (the sheet refuses the values write);
// a second edit follows. The next run must fill both columns everywhere.
func TestWorldTwoEditsFirstRunFailed(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 12, 2)
	one := addColumns(string(demoMapping), "Email")
	cfg = writeMapping(t, one)
	em.sheets.InjectFault(sheetsFault(http.StatusBadRequest, "values:batchUpdate", 1))
	if code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg, "--module", "Leads"); code != 1 {
		t.Fatalf("want the run to fail, exit %d\n%s", code, errs)
	}
	em.sheets.ClearFaults()
	cfg = writeMapping(t, addColumns(string(demoMapping), "Email", "Phone"))
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "log", log, "2 columns added (Email, Phone) → full read")
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Email": field("Email"), "Phone": field("Phone")}, noted)
}

func sheetsFault(status int, path string, times int) sheetstest.Fault {
	return sheetstest.Fault{Status: status, Path: path, Times: times}
}

// A run killed while it rewrites a tab after a mapping change leaves the
// fingerprint unsaved: the rerun reads in full again and ends exact.
func TestWorldKilledDuringRewriteAfterMappingChange(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 300, "Deals": 4})
	cfg := writeMapping(t, string(demoMapping))
	if r := runBin(t, em.env, "--once", "--config", cfg); r.code != 0 {
		t.Fatalf("first run %d\n%s", r.code, r.stderr)
	}
	noted := noteLead(t, em, "Leads")
	fp := leadsFingerprint(t, em)
	cfg = writeMapping(t, addColumns(string(demoMapping), "Email"))

	killed := runBinHitAtFirstWrite(t, em, func(p *os.Process) {
		p.Kill()
		time.Sleep(50 * time.Millisecond)
	}, "--once", "--config", cfg)
	if !killed {
		t.Fatal("never reached a write")
	}
	if got := leadsFingerprint(t, em); got != fp {
		t.Fatalf("the fingerprint was saved before the rewrite completed: %q → %q", fp, got)
	}
	expireLeases(t, em)
	r := runBin(t, em.env, "--once", "--config", cfg, "--log-format", "json")
	if r.code != 0 {
		t.Fatalf("rerun %d\n%s", r.code, r.stderr)
	}
	mustContainAll(t, "rerun log", r.stderr, "1 column added (Email) → full read")
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Email": field("Email"), "Name": field("Full_Name")}, noted)
}

func leadsFingerprint(t *testing.T, em *emulators) string {
	t.Helper()
	for _, m := range em.sheets.Metadata(em.spreadsheetID) {
		if m.Key == sheets.TabStateKeyPrefix+"Leads" {
			i := strings.Index(m.Value, `"fingerprint":"`)
			if i < 0 {
				t.Fatalf("no fingerprint in %s", m.Value)
			}
			return m.Value[i : i+strings.Index(m.Value[i+15:], `"`)+15]
		}
	}
	t.Fatal("no Leads state")
	return ""
}

func TestWorldHeaderCaseAndOrderChangeCostsNothing(t *testing.T) {
	em, cfg := syncedDemo(t, 12, 2)
	m := strings.Replace(string(demoMapping), "{ header: Status, field: Lead_Status }", "{ header: '  status ', field: Lead_Status }", 1)
	m = strings.Replace(m, "      - { header: Company, field: Company }\n", "", 1)
	m = strings.Replace(m, "      - { header: Modified, field: Modified_Time }\n", "      - { header: Modified, field: Modified_Time }\n      - { header: Company, field: Company }\n", 1)
	cfg = writeMapping(t, m)
	log, _ := stateRun(t, em, cfg)
	if strings.Contains(log, "mapping changed") || !strings.Contains(log, `"sheet":"Leads","mode":"incremental"`) {
		t.Errorf("log:\n%s", log)
	}
	if h := em.sheets.Values(em.spreadsheetID, "Leads")[0]; len(h) != 7 {
		t.Errorf("header %v", h)
	}
}

func TestWorldTabsSwapTitles(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 12, 5)
	em.sheets.RenameSheet(em.spreadsheetID, "Leads", "tmp")
	em.sheets.RenameSheet(em.spreadsheetID, "Deals", "Leads")
	em.sheets.RenameSheet(em.spreadsheetID, "tmp", "Deals")
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[3], map[string]any{"Lead_Status": "Contacted"})
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, `tab renamed to \"Deals\": following it`, `tab renamed to \"Leads\": following it`)
	assertExact(t, em, "Deals", map[string]func(map[string]any) any{"Status": field("Lead_Status")}, noted)
	_, rows := tab(t, em, "Leads", "Zoho ID")
	if got, want := sortedKeys(rows), sortedSet(em.zoho.IDs("Deals")); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("the tab now titled Leads holds %v, want the deals %v", got, want)
	}
}

// With no timezone in the mapping, datetimes follow the spreadsheet's own
// zone: a person changing it in File → Settings re-renders every datetime.
func TestWorldSpreadsheetZoneChangedByAPerson(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 8, "Deals": 2})
	cfg := writeMapping(t, strings.Replace(string(demoMapping), "timezone: Europe/Berlin\n", "", 1))
	stateRun(t, em, cfg)
	noted := noteLead(t, em, "Leads")
	ctx := context.Background()
	svc, err := gsheets.NewService(ctx, option.WithEndpoint(em.sheets.URL()),
		option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: em.sheets.IssueToken(demoServiceAccount)})))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{Requests: []*gsheets.Request{{
		UpdateSpreadsheetProperties: &gsheets.UpdateSpreadsheetPropertiesRequest{
			Properties: &gsheets.SpreadsheetProperties{TimeZone: "Asia/Tokyo"}, Fields: "timeZone"}}}}).Do(); err != nil {
		t.Fatal(err)
	}
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, "timezone changed → full read")
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Modified": serialIn(t, "Asia/Tokyo")}, noted)
}

// --run-timeout bounds the run itself: time spent waiting for another
// run's lease (--wait) does not count, or a daemon that waited for a long
// backfill would be stopped and alert as if a request had hung.
func TestWorldLeaseWaitDoesNotCountTowardsTheRunDeadline(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	// Another run holds the lease until this one has waited longer than
	// its --run-timeout: counted from when it says it waits, so however
	// slow its start, the wait alone would have ended a run whose deadline
	// counted it. The run's own work needs far less than runTimeout.
	const runTimeout = 2 * time.Second
	svc, err := gsheets.NewService(context.Background(), option.WithEndpoint(em.sheets.URL()),
		option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: em.sheets.IssueToken(demoServiceAccount)})))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	val := fmt.Sprintf(`{"owner":"0ther0wner","host":"laptop","pid":7,"start":%q,"expires":%q,"ticket":1}`,
		now.Format(time.RFC3339Nano), now.Add(time.Hour).Format(time.RFC3339Nano))
	const id = 4242
	if _, err := svc.Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{Requests: []*gsheets.Request{{
		CreateDeveloperMetadata: &gsheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &gsheets.DeveloperMetadata{
			MetadataId: id, MetadataKey: sheets.LeaseKey, MetadataValue: val, Visibility: "DOCUMENT",
			Location: &gsheets.DeveloperMetadataLocation{Spreadsheet: true}}}}}}).Do(); err != nil {
		t.Fatal(err)
	}
	waiting, released := make(chan struct{}), make(chan error, 1)
	go func() {
		select {
		case <-waiting:
			time.Sleep(runTimeout + 500*time.Millisecond)
		case <-time.After(time.Minute):
		}
		_, err := svc.Spreadsheets.BatchUpdate(em.spreadsheetID, &gsheets.BatchUpdateSpreadsheetRequest{Requests: []*gsheets.Request{{
			DeleteDeveloperMetadata: &gsheets.DeleteDeveloperMetadataRequest{DataFilter: &gsheets.DataFilter{
				DeveloperMetadataLookup: &gsheets.DeveloperMetadataLookup{MetadataId: id}}}}}}).Do()
		released <- err
	}()
	vars := map[string]string{"ZOHO2SHEETS_CACHE_DIR": t.TempDir()}
	for k, v := range em.env {
		vars[k] = v
	}
	var errb syncBuffer
	e := env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard,
		stderr: &signalWriter{w: &errb, text: "another run holds the lease: waiting for it", seen: waiting},
		stdin:  strings.NewReader(""), leasePoll: 100 * time.Millisecond}
	code := Main(context.Background(), []string{"--once", "--config", cfg, "--wait", "1m", "--run-timeout", runTimeout.String()}, e)
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("exit %d: the run waited longer than its %s --run-timeout for the lease, then needed far less\n%s", code, runTimeout, errb.String())
	}
	if !strings.Contains(errb.String(), "another run holds the lease: waiting for it") {
		t.Fatalf("the run did not wait for the lease:\n%s", errb.String())
	}
	assertLeadsMatchCRM(t, em)
}

// A column's header renamed in the mapping: the new header is filled for
// every record, the old column stays as it was, notes stay on their rows.
func TestWorldHeaderRenamedKeepsNotes(t *testing.T) {
	em, cfg, noted := syncedDemoWithNote(t, 10, 2)
	em.sheets.SortRows(em.spreadsheetID, "Leads", 1, false)
	cfg = writeMapping(t, strings.Replace(string(demoMapping), "{ header: Status, field: Lead_Status }", "{ header: Lead status, field: Lead_Status }", 1))
	log, _ := stateRun(t, em, cfg)
	mustContainAll(t, "the log", log, "mapping changed: 1 column added (Lead status), 1 column removed (left in the tab) → full read")
	assertExact(t, em, "Leads", map[string]func(map[string]any) any{"Lead status": field("Lead_Status"), "Status": field("Lead_Status"), "Name": field("Full_Name")}, noted)
}
