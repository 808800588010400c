package sheetstest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/sheets/v4"
)

func TestCoreRoundTrip(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		ss := must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).Do())
		if ss.Properties.Title != "CRM" || ss.Properties.TimeZone != "Europe/Berlin" || len(ss.Sheets) != 1 ||
			ss.Sheets[0].Properties.GridProperties.RowCount != 1000 || ss.Sheets[0].Properties.GridProperties.ColumnCount != 26 {
			t.Fatalf("get: %+v", ss.Properties)
		}
		resp := must[*sheets.BatchUpdateSpreadsheetResponse](t)(e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{
			Requests: []*sheets.Request{{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{
				Title: "Leads", GridProperties: &sheets.GridProperties{RowCount: 10, ColumnCount: 5, FrozenRowCount: 1}}}}},
		}).Do())
		p := resp.Replies[0].AddSheet.Properties
		if p.Title != "Leads" || p.Index != 1 || p.GridProperties.RowCount != 10 {
			t.Fatalf("addSheet reply: %+v", p)
		}
		upd := must[*sheets.UpdateValuesResponse](t)(e.svc.Spreadsheets.Values.Update(e.id, "Leads!A1", &sheets.ValueRange{
			Values: [][]any{{"id", "name", "amount"}, {"z1", "Acme", 1200.5}, {"z2", "=1+1", true}},
		}).ValueInputOption("RAW").Do())
		if upd.UpdatedRange != "Leads!A1:C3" || upd.UpdatedCells != 9 {
			t.Fatalf("update: %+v", upd)
		}
		got := must[*sheets.ValueRange](t)(e.svc.Spreadsheets.Values.Get(e.id, "Leads").ValueRenderOption("UNFORMATTED_VALUE").Do())
		want := [][]any{{"id", "name", "amount"}, {"z1", "Acme", 1200.5}, {"z2", "=1+1", true}}
		if d := cmp.Diff(want, got.Values); d != "" || got.Range != "Leads!A1:E10" {
			t.Fatalf("range %s values (-want +got):\n%s", got.Range, d)
		}
		t.Log("\n" + e.srv.Table(e.id, "Leads"))
	})
}
