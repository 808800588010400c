package sheetstest

import (
	"testing"

	"google.golang.org/api/sheets/v4"
)

// A spreadsheet shared as Viewer may be read; every write is refused with
// 403 PERMISSION_DENIED and changes nothing. Sharing as Editor lifts it.
func TestViewOnlyShareRefusesWrites(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		id := e.srv.CreateSpreadsheet("view only", "UTC")
		e.srv.ShareViewOnly(id, testSA)
		must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(id).Do())
		vr := &sheets.ValueRange{Values: [][]any{{"x"}}}
		_, err := e.svc.Spreadsheets.Values.Update(id, "Sheet1!A1", vr).ValueInputOption("RAW").Do()
		if ge := apiErr(t, err, 403); ge.Message != "The caller does not have permission" {
			t.Fatalf("viewer's write: %+v", ge)
		}
		add := &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{Title: "New"}}}}}
		_, err = e.svc.Spreadsheets.BatchUpdate(id, add).Do()
		apiErr(t, err, 403)
		if got := e.srv.Values(id, "Sheet1"); len(got) != 0 || len(e.srv.Sheets(id)) != 1 {
			t.Fatalf("a refused write changed the spreadsheet: %v, %d tabs", got, len(e.srv.Sheets(id)))
		}
		e.srv.Share(id, testSA)
		must[*sheets.UpdateValuesResponse](t)(e.svc.Spreadsheets.Values.Update(id, "Sheet1!A1", vr).ValueInputOption("RAW").Do())
	})
}
