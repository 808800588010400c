package sheetstest

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/sheets/v4"
)

func gridRange(sheet, r0, r1, c0, c1 int64) *sheets.GridRange {
	return &sheets.GridRange{SheetId: sheet, StartRowIndex: r0, EndRowIndex: r1, StartColumnIndex: c0, EndColumnIndex: c1,
		ForceSendFields: []string{"SheetId", "StartRowIndex", "StartColumnIndex"}}
}

// A fields mask that asks for cell data returns it with or without
// includeGridData, in every mask spelling public code uses.
func TestCellDataFieldsMask(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		leads := addSheet(t, e, "Leads", 5, 3)
		put(t, e, "Leads!A1", "RAW", [][]any{{"id", "name"}, {"z1", "Acme"}})
		must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e,
			&sheets.Request{RepeatCell: &sheets.RepeatCellRequest{Range: gridRange(leads, 0, 1, 0, 1),
				Cell: &sheets.CellData{Note: "Synced from Zoho CRM Leads"}, Fields: "note"}},
			&sheets.Request{RepeatCell: &sheets.RepeatCellRequest{Range: gridRange(leads, 0, 1, 0, 3),
				Cell:   &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{TextFormat: &sheets.TextFormat{Bold: true}}},
				Fields: "userEnteredFormat.textFormat.bold"}},
			&sheets.Request{UpdateCells: &sheets.UpdateCellsRequest{Start: &sheets.GridCoordinate{SheetId: leads, RowIndex: 1, ColumnIndex: 1},
				Rows: []*sheets.RowData{{Values: []*sheets.CellData{{UserEnteredFormat: &sheets.CellFormat{TextFormat: &sheets.TextFormat{
					Link: &sheets.Link{Uri: "https://crm.zoho.eu/crm/org1/tab/Leads/z1"}}}}}}},
				Fields: "userEnteredFormat.textFormat.link"}},
		))
		for _, mask := range []string{
			"sheets.data.rowData.values.note",
			"sheets/data/rowData/values/note",
			"sheets(data(rowData(values(note))))",
		} {
			for _, include := range []bool{false, true} {
				ss := must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).Ranges("Leads!A1:C2").IncludeGridData(include).Fields(googleapi.Field(mask)).Do())
				if len(ss.Sheets) != 2 || len(ss.Sheets[1].Data) != 1 || len(ss.Sheets[1].Data[0].RowData) == 0 {
					t.Fatalf("%s include=%v: no grid data: %+v", mask, include, ss.Sheets)
				}
				if got := ss.Sheets[1].Data[0].RowData[0].Values[0].Note; got != "Synced from Zoho CRM Leads" {
					t.Fatalf("%s include=%v: note %q", mask, include, got)
				}
				if v := ss.Sheets[1].Data[0].RowData[0].Values[0].UserEnteredValue; v != nil {
					t.Fatalf("%s: the mask let the value through: %+v", mask, v)
				}
			}
		}
		// A mask without sheets.data returns no cell data, even with includeGridData.
		ss := must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).IncludeGridData(true).Fields("sheets.properties.title").Do())
		if len(ss.Sheets[1].Data) != 0 {
			t.Fatalf("grid data without asking for it: %+v", ss.Sheets[1].Data)
		}
		ss = must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).Ranges("Leads!A1:C2").
			Fields("sheets(data(rowData(values(hyperlink,textFormatRuns,userEnteredFormat/textFormat))))").Do())
		rows := ss.Sheets[1].Data[0].RowData
		if !rows[0].Values[1].UserEnteredFormat.TextFormat.Bold || rows[0].Values[0].Hyperlink != "" {
			t.Fatalf("header: %+v", rows[0].Values[1].UserEnteredFormat)
		}
		link := rows[1].Values[1]
		if link.Hyperlink != "https://crm.zoho.eu/crm/org1/tab/Leads/z1" || link.UserEnteredFormat.TextFormat.Link.Uri != link.Hyperlink {
			t.Fatalf("link cell: %+v %+v", link, link.UserEnteredFormat)
		}
		if c := e.srv.Cell(e.id, "Leads", 1, 1); c.Value != "Acme" || c.Link == "" {
			t.Fatalf("the link replaced the value: %+v", c)
		}
		// A values write keeps the cell link and the note (formats stay).
		put(t, e, "Leads!A1:B2", "RAW", [][]any{{"Zoho ID", nil}, {nil, "Acme GmbH"}})
		if c := e.srv.Cell(e.id, "Leads", 1, 1); c.Value != "Acme GmbH" || c.Hyperlink == "" {
			t.Fatalf("after a values write: %+v", c)
		}
		if c := e.srv.Cell(e.id, "Leads", 0, 0); c.Note == "" || !c.Bold {
			t.Fatalf("header after a values write: %+v", c)
		}
	})
}

func TestCellDataRunsAndHyperlink(t *testing.T) {
	e := newEnv(t, Options{NoListener: true})
	leads := addSheet(t, e, "Leads", 5, 3)
	put(t, e, "Leads!A1", "RAW", [][]any{{"Acme and Beta"}})
	run := func(start int64, uri string) *sheets.TextFormatRun {
		r := &sheets.TextFormatRun{StartIndex: start, Format: &sheets.TextFormat{}}
		if uri != "" {
			r.Format.Link = &sheets.Link{Uri: uri}
		}
		return r
	}
	runs := func(rs ...*sheets.TextFormatRun) *sheets.Request {
		return &sheets.Request{UpdateCells: &sheets.UpdateCellsRequest{Start: &sheets.GridCoordinate{SheetId: leads},
			Rows: []*sheets.RowData{{Values: []*sheets.CellData{{TextFormatRuns: rs}}}}, Fields: "textFormatRuns"}}
	}
	must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, runs(run(0, "https://a"), run(5, ""), run(9, "https://b"))))
	if c := e.srv.Cell(e.id, "Leads", 0, 0); c.Hyperlink != "" || !cmp.Equal(c.RunLinks, []string{"https://a", "https://b"}) {
		t.Fatalf("two links: %+v", c)
	}
	must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, runs(run(0, "https://a"))))
	if c := e.srv.Cell(e.id, "Leads", 0, 0); c.Hyperlink != "https://a" {
		t.Fatalf("one run over the whole text: %+v", c)
	}
	// A new value erases the runs.
	put(t, e, "Leads!A1", "RAW", [][]any{{"Gamma"}})
	if c := e.srv.Cell(e.id, "Leads", 0, 0); c.Hyperlink != "" || len(c.RunLinks) != 0 {
		t.Fatalf("runs survived a new value: %+v", c)
	}
	// Runs on a number, beyond the text, or out of order are refused.
	put(t, e, "Leads!B1", "RAW", [][]any{{12.5}})
	num := runs(run(0, "https://a"))
	num.UpdateCells.Start.ColumnIndex = 1
	for name, req := range map[string]*sheets.Request{
		"number":       num,
		"beyond":       runs(run(0, ""), run(40, "https://a")),
		"out of order": runs(run(3, "https://a"), run(1, "")),
		"read-only":    {UpdateCells: &sheets.UpdateCellsRequest{Start: &sheets.GridCoordinate{SheetId: leads}, Rows: []*sheets.RowData{{}}, Fields: "hyperlink"}},
		"unknown":      {UpdateCells: &sheets.UpdateCellsRequest{Start: &sheets.GridCoordinate{SheetId: leads}, Rows: []*sheets.RowData{{}}, Fields: "userEnteredFormat.textFormat.blink"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := batch(e, req)
			apiErr(t, err, http.StatusBadRequest)
		})
	}
	// =HYPERLINK formulas report their URL too.
	put(t, e, "Leads!C1", "USER_ENTERED", [][]any{{`=HYPERLINK("https://c","x")`}})
	if c := e.srv.Cell(e.id, "Leads", 0, 2); c.Hyperlink != "https://c" || len(e.srv.Formulas(e.id, "Leads")) != 1 {
		t.Fatalf("HYPERLINK: %+v", c)
	}
}

func TestColumnWidths(t *testing.T) {
	e := newEnv(t, Options{NoListener: true})
	leads := addSheet(t, e, "Leads", 5, 4)
	must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, &sheets.Request{UpdateDimensionProperties: &sheets.UpdateDimensionPropertiesRequest{
		Range: &sheets.DimensionRange{SheetId: leads, Dimension: "COLUMNS", StartIndex: 1, EndIndex: 3}, Properties: &sheets.DimensionProperties{PixelSize: 160},
		Fields: "pixelSize"}}))
	if got := []int{e.srv.ColumnWidth(e.id, "Leads", 0), e.srv.ColumnWidth(e.id, "Leads", 1), e.srv.ColumnWidth(e.id, "Leads", 2)}; !cmp.Equal(got, []int{100, 160, 160}) {
		t.Fatalf("widths %v", got)
	}
	e.srv.MoveColumn(e.id, "Leads", 1, 3)
	if got := []int{e.srv.ColumnWidth(e.id, "Leads", 1), e.srv.ColumnWidth(e.id, "Leads", 3)}; !cmp.Equal(got, []int{160, 160}) {
		t.Fatalf("widths after a move %v", got)
	}
	ss := must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).Ranges("Leads!A1:D1").Fields("sheets.data.columnMetadata.pixelSize").Do())
	if cm := ss.Sheets[1].Data[0].ColumnMetadata; len(cm) != 4 || cm[3].PixelSize != 160 || cm[0].PixelSize != 100 {
		t.Fatalf("columnMetadata %+v", cm)
	}
	_, err := batch(e, &sheets.Request{UpdateDimensionProperties: &sheets.UpdateDimensionPropertiesRequest{
		Range: &sheets.DimensionRange{SheetId: leads, Dimension: "COLUMNS", StartIndex: 1, EndIndex: 3}, Properties: &sheets.DimensionProperties{PixelSize: 160}}})
	apiErr(t, err, http.StatusBadRequest) // no fields
}
