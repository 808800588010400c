package sheetstest

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/api/sheets/v4"
)

func TestRefRewrite(t *testing.T) {
	del := refEdit{"Leads", true, shiftMap(3, -2)} // rows 4 and 5 deleted
	for _, c := range []struct{ in, own, want string }{
		{"=C7*2", "Leads", "=C5*2"},
		{"=C3", "Leads", "=C3"},
		{"=C4", "Leads", "=#REF!"},
		{"=$C$7+C$8+$C9", "Leads", "=$C$5+C$6+$C7"},
		{"=SUM(B2:B10)", "Leads", "=SUM(B2:B8)"},
		{"=SUM(B4:B5)", "Leads", "=SUM(#REF!)"},
		{"=SUM(B5:B9)", "Leads", "=SUM(B4:B7)"},
		{"=C7", "Other", "=C7"},
		{"=Leads!C7&'Leads'!D8&'leads'!E9", "Other", "=Leads!C5&'Leads'!D6&'leads'!E7"},
		{`="C7"&LOG10(C7)&A:A&7:9`, "Leads", `="C7"&LOG10(C5)&A:A&5:7`},
		{"=TRUE", "Leads", "=TRUE"},
		{"=VLOOKUP(A7,'My ''x'' tab'!A:C,3,FALSE)", "Leads", "=VLOOKUP(A5,'My ''x'' tab'!A:C,3,FALSE)"},
	} {
		got, _ := del.rewrite(c.in, c.own)
		if got != c.want {
			t.Errorf("delete rows 4-5: %s on %s = %s, want %s", c.in, c.own, got, c.want)
		}
	}
	mv := refEdit{"Leads", false, moveMap(5, 6, 0)} // column F dragged to A
	for in, want := range map[string]string{"=B7&F7": "=C7&A7", "=SUM(A:E)": "=SUM(B:F)", "=G2": "=G2"} {
		if got, _ := mv.rewrite(in, "Leads"); got != want {
			t.Errorf("move F to A: %s = %s, want %s", in, got, want)
		}
	}
	if got := relativeRows("=C2*$D$2+SUM(E$1:E2)", 3); got != "=C5*$D$2+SUM(E$1:E5)" {
		t.Errorf("copied 3 rows down: %s", got)
	}
}

// A person's formulas keep pointing at the same cells when rows and
// columns are inserted, deleted or moved through the API or by hand, when
// the sheet is sorted and when a sheet they name is renamed.
func TestFormulasFollowTheirCells(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	_, err := e.svc.Spreadsheets.Values.Update(e.id, "Sheet1!A1:C5", &sheets.ValueRange{Values: [][]any{
		{"id", "amount", "double"}, {"a", 3, "=B2*2"}, {"b", 1, "=B3*2"}, {"c", 2, "=B4*2"}, {"total", "", "=SUM(B2:B4)"},
	}}).ValueInputOption("USER_ENTERED").Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	sheetID := e.srv.Sheets(e.id)[0].ID
	dim := func(d string, s, en int64) *sheets.DimensionRange {
		return &sheets.DimensionRange{SheetId: sheetID, Dimension: d, StartIndex: s, EndIndex: en, ForceSendFields: []string{"SheetId"}}
	}
	batch := func(reqs ...*sheets.Request) {
		t.Helper()
		if _, err := e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{Requests: reqs}).Context(ctx).Do(); err != nil {
			t.Fatal(err)
		}
	}
	want := func(what string, cells map[string]string) {
		t.Helper()
		for a1, f := range cells {
			r, ok := parseA1(a1)
			if !ok {
				t.Fatal(a1)
			}
			if got := e.srv.Cell(e.id, "Sheet1", r.r0, r.c0).Formula; got != f {
				t.Errorf("%s: %s holds %q, want %q", what, a1, got, f)
			}
		}
	}
	batch(&sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{Range: dim("ROWS", 1, 2)}}) // row "a"
	want("row 2 deleted", map[string]string{"C2": "=B2*2", "C3": "=B3*2", "C4": "=SUM(B2:B3)"})
	batch(&sheets.Request{InsertDimension: &sheets.InsertDimensionRequest{Range: dim("ROWS", 1, 2)}})
	want("row inserted at 2", map[string]string{"C3": "=B3*2", "C4": "=B4*2", "C5": "=SUM(B3:B4)"})
	batch(&sheets.Request{MoveDimension: &sheets.MoveDimensionRequest{Source: dim("COLUMNS", 1, 2), DestinationIndex: 0}})
	want("amount dragged to A", map[string]string{"C3": "=A3*2", "C5": "=SUM(A3:A4)"})
	e.srv.InsertColumn(e.id, "Sheet1", 0, "mine")
	want("a column inserted by hand", map[string]string{"D3": "=B3*2", "D4": "=B4*2"})
	batch(&sheets.Request{UpdateSheetProperties: &sheets.UpdateSheetPropertiesRequest{Fields: "gridProperties.frozenRowCount",
		Properties: &sheets.SheetProperties{SheetId: sheetID, GridProperties: &sheets.GridProperties{FrozenRowCount: 1}, ForceSendFields: []string{"SheetId"}}}})
	e.srv.SortRows(e.id, "Sheet1", 1, true) // by amount: b (row 3) and c (row 4) move up past the blank row
	want("sorted", map[string]string{"D2": "=B2*2", "D3": "=B3*2"})
	e.srv.DeleteRows(e.id, "Sheet1", 1, 1)
	want("a row deleted by hand", map[string]string{"D2": "=B2*2"})

	e.srv.SetCell(e.id, "Sheet1", 6, 0, "=Sheet1!B2")
	e.srv.RenameSheet(e.id, "Sheet1", "Leads (EU)")
	if got := e.srv.Cell(e.id, "Leads (EU)", 6, 0).Formula; got != "='Leads (EU)'!B2" {
		t.Errorf("after the rename: %q", got)
	}
}

// A range a person protected refuses the service account's writes into
// it (values, cell updates, row deletions), unless it is only a warning
// or the account is among its editors; writes elsewhere go through.
func TestProtectedRangesRefuseOtherEditors(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	put := func(rng string, v any) error {
		_, err := e.svc.Spreadsheets.Values.Update(e.id, rng, &sheets.ValueRange{Values: [][]any{{v}}}).
			ValueInputOption("RAW").Context(ctx).Do()
		return err
	}
	if err := put("Sheet1!A1:C2", "x"); err != nil {
		t.Fatal(err)
	}
	pid := e.srv.ProtectRange(e.id, "Sheet1", -1, -1, 1, 2, false) // column B, owner only
	if ge := apiErr(t, put("Sheet1!B2", "y"), 400); !strings.Contains(ge.Message, "You are trying to edit a protected cell or object") {
		t.Fatalf("write into a protected column: %v", ge)
	}
	if err := put("Sheet1!C2", "y"); err != nil {
		t.Fatalf("write beside it: %v", err)
	}
	sheetID := e.srv.Sheets(e.id)[0].ID
	_, err := e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{DeleteDimension: &sheets.DeleteDimensionRequest{Range: &sheets.DimensionRange{SheetId: sheetID, Dimension: "ROWS", StartIndex: 1, EndIndex: 2, ForceSendFields: []string{"SheetId"}}}},
	}}).Context(ctx).Do()
	apiErr(t, err, 400) // deleting a row across the protected column
	if e.srv.Cell(e.id, "Sheet1", 1, 2).Value != "y" {
		t.Fatal("the refused batch applied something")
	}
	_, err = e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
		{DeleteProtectedRange: &sheets.DeleteProtectedRangeRequest{ProtectedRangeId: pid}},
	}}).Context(ctx).Do()
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ProtectRange(e.id, "Sheet1", -1, -1, 1, 2, true)
	e.srv.ProtectRange(e.id, "Sheet1", 0, 1, -1, -1, false, testSA) // the header row, the account may edit
	if err := put("Sheet1!B1", "z"); err != nil {
		t.Fatalf("warning only and an editor: %v", err)
	}
}
