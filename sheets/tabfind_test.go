package sheets_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	gsheets "google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// The upsert finds its tab by sheetId first: a renamed tab is written
// under its new title, sheetId 0 is an id like any other, and a deleted
// tab is created again under the table's title.
func TestEmulatorUpsertFindsTabBySheetID(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	res := e.upsert(t, tbl(rec("1", "Acme", 1), rec("2", "Bolt", 2)))
	if !res.Created || res.Tab.Title != "Leads" {
		t.Fatalf("first upsert: %+v", res)
	}
	id := res.Tab.ID
	e.srv.RenameSheet(e.id, "Leads", "Leads (EU team)")
	e.srv.InsertColumn(e.id, "Leads (EU team)", 3, "Notes")
	e.srv.SetCell(e.id, "Leads (EU team)", 1, 3, "call back")

	tb := tbl(rec("1", "Acme Inc", 1), rec("3", "Core", 3))
	tb.SheetID, tb.HasSheetID = id, true
	res = e.upsert(t, tb)
	if res.Created || res.Tab != (zsync.Tab{ID: id, Title: "Leads (EU team)"}) {
		t.Fatalf("upsert of the renamed tab: %+v", res)
	}
	if got := e.sheetTitles(); slices.Contains(got, "Leads") {
		t.Fatalf("tabs %v: a second Leads tab was created", got)
	}
	wantRows(t, e, "Leads (EU team)", [][]any{{"Id", "Name", "Amount", "Notes"}, {"1", "Acme Inc", 1.0, "call back"}, {"2", "Bolt", 2.0}, {"3", "Core", 3.0}})

	// sheetId 0 (the spreadsheet's first tab) is followed like any id...
	first := e.srv.Sheets(e.id)[0]
	if first.ID != 0 {
		t.Fatalf("first tab id %d, want 0", first.ID)
	}
	zero := tbl(rec("9", "Zed", 9))
	zero.Sheet, zero.SheetID, zero.HasSheetID, zero.Full = "Zero", 0, true, true // empty: an incremental table would be refused
	if res := e.upsert(t, zero); res.Created || res.Tab.Title != first.Title {
		t.Fatalf("sheetId 0: %+v", res)
	}
	// ...and never taken for "no id".
	fresh := tbl(rec("8", "Yew", 8))
	fresh.Sheet = "Fresh"
	if res := e.upsert(t, fresh); !res.Created || res.Tab.Title != "Fresh" || res.Tab.ID == 0 {
		t.Fatalf("no id: %+v", res)
	}

	e.srv.DeleteSheet(e.id, "Leads (EU team)")
	res = e.upsert(t, tb)
	if !res.Created || res.Tab.Title != "Leads" || res.Tab.ID == id {
		t.Fatalf("upsert after the tab was deleted: %+v", res)
	}
	tabs, err := e.ss.Tabs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tabs) != 3 || !slices.Contains(tabs, res.Tab) {
		t.Fatalf("Tabs() = %v", tabs)
	}
}

func wantRows(t *testing.T, e *env, tab string, want [][]any) {
	t.Helper()
	got := e.srv.Values(e.id, tab)
	if len(got) != len(want) {
		t.Fatalf("%s has %d rows, want %d:\n%s", tab, len(got), len(want), e.srv.Table(e.id, tab))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Fatalf("%s row %d = %v, want %v:\n%s", tab, i+1, got[i], want[i], e.srv.Table(e.id, tab))
		}
	}
}

// A state stored per module by an older version loads under its legacy
// key; the first save of a tab of that module removes it in the same
// request that writes the tab's entry.
func TestEmulatorStateMigratesModuleEntry(t *testing.T) {
	e := newEnv(t, envOpt{noListener: true})
	ctx := context.Background()
	hc := &http.Client{Transport: &oauth2.Transport{Base: e.srv.HTTPClient().Transport,
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.srv.IssueToken(saEmail)})}}
	svc, err := gsheets.NewService(ctx, option.WithEndpoint(e.srv.URL()), option.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	old := `{"module":"Leads","cursor":"2024-05-01T12:00:00Z","last_full":"2024-05-01T11:00:00Z","last_run":"2024-05-01T12:00:00Z","last_status":"ok","rows":42}`
	if _, err := svc.Spreadsheets.BatchUpdate(e.id, &gsheets.BatchUpdateSpreadsheetRequest{Requests: []*gsheets.Request{
		{CreateDeveloperMetadata: &gsheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &gsheets.DeveloperMetadata{
			MetadataKey: sheets.StateKeyPrefix + "Leads", MetadataValue: old, Visibility: "DOCUMENT",
			Location: &gsheets.DeveloperMetadataLocation{Spreadsheet: true}}}},
	}}).Do(); err != nil {
		t.Fatal(err)
	}
	got, err := e.ss.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := got[zsync.LegacyStateKey("Leads")]
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	if len(got) != 1 || !ok || st.Sheet != "" || st.Module != "Leads" || st.Rows != 42 || !st.Cursor.Equal(at) || st.HasSheetID() {
		t.Fatalf("loaded %+v", got)
	}
	st.Sheet, st.SheetID, st.SheetTitle, st.Fingerprint = "Leads EU", 0, "Leads EU", "v1 c1=2:text"
	writes := e.srv.Stats().Writes
	if err := e.ss.SaveState(ctx, st); err != nil {
		t.Fatal(err)
	}
	if w := e.srv.Stats().Writes - writes; w != 1 {
		t.Errorf("migration took %d write requests, want 1", w)
	}
	var keys []string
	for _, m := range e.srv.Metadata(e.id) {
		keys = append(keys, m.Key)
	}
	if !slices.Equal(keys, []string{sheets.TabStateKeyPrefix + "Leads EU"}) {
		t.Fatalf("metadata keys %v, want the tab's entry only", keys)
	}
	got, err = e.ss.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["Leads EU"] != st {
		t.Fatalf("reloaded %+v, want %+v", got, st)
	}
	if err := e.ss.SaveState(ctx, zsync.ModuleState{Module: "Leads"}); err == nil {
		t.Fatal("a state without a tab title was saved")
	}
}

// A person renaming the tab while the upsert runs (before its check, its
// write or its verification) does not fail the run: the upsert finds the
// tab again by its sheetId and finishes under the new title.
func TestEmulatorTabRenamedDuringUpsert(t *testing.T) {
	for _, at := range []struct {
		name string
		nth  int // rename before the nth request matching
		path string
	}{
		{"before the check", 2, "values:batchGet"},
		{"before the write", 1, "values:batchUpdate"},
		{"before the verification", 3, "values:batchGet"},
	} {
		t.Run(at.name, func(t *testing.T) {
			e := newEnv(t, envOpt{noListener: true})
			e.upsert(t, tbl(rec("1", "Acme", 1), rec("2", "Bolt", 2)))
			var n atomic.Int32
			e.srv.OnRequest(func(r *http.Request) {
				if strings.HasSuffix(r.URL.Path, at.path) && int(n.Add(1)) == at.nth {
					e.srv.RenameSheet(e.id, "Leads", "Leads (EU team)")
				}
			})
			tb := tbl(rec("1", "Acme Inc", 1), rec("2", "Bolt", 2), rec("3", "Core", 3))
			res, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{})
			e.srv.OnRequest(nil)
			if err != nil {
				t.Fatalf("upsert: %v", err)
			}
			if n.Load() < int32(at.nth) {
				t.Fatalf("the rename never happened (%d requests)", n.Load())
			}
			if res.Tab.Title != "Leads (EU team)" || slices.Contains(e.sheetTitles(), "Leads") {
				t.Fatalf("result tab %+v, tabs %v", res.Tab, e.sheetTitles())
			}
			wantRows(t, e, "Leads (EU team)", [][]any{{"Id", "Name", "Amount"}, {"1", "Acme Inc", 1.0}, {"2", "Bolt", 2.0}, {"3", "Core", 3.0}})
		})
	}
}
