package sheetstest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/sheets/v4"
)

func batch(e *env, reqs ...*sheets.Request) (*sheets.BatchUpdateSpreadsheetResponse, error) {
	return e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{Requests: reqs}).Do()
}

func rowsRange(sheet, start, end int64) *sheets.DimensionRange {
	return &sheets.DimensionRange{SheetId: sheet, Dimension: "ROWS", StartIndex: start, EndIndex: end, ForceSendFields: []string{"SheetId", "StartIndex"}}
}

func TestBatchUpdateRejectionsAreAtomic(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		leads := addSheet(t, e, "Leads", 10, 5)
		put(t, e, "Leads!A1", "RAW", [][]any{{"keep"}})
		grow := &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{SheetId: leads, Dimension: "ROWS", Length: 5}}
		write := &sheets.Request{UpdateCells: &sheets.UpdateCellsRequest{Start: &sheets.GridCoordinate{SheetId: leads},
			Rows: []*sheets.RowData{{Values: []*sheets.CellData{{UserEnteredValue: &sheets.ExtendedValue{StringValue: ptr("overwritten")}}}}}, Fields: "userEnteredValue"}}
		cases := []struct {
			name string
			bad  *sheets.Request
			want string
		}{
			{"DuplicateTitle", &sheets.Request{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{Title: "leads"}}},
				`Invalid requests[2].addSheet: A sheet with the name "leads" already exists`},
			{"UnknownSheetID", &sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{Range: rowsRange(999, 0, 1)}},
				"Invalid requests[2].deleteDimension: No grid with id: 999"},
			{"NoFields", &sheets.Request{UpdateSheetProperties: &sheets.UpdateSheetPropertiesRequest{Properties: &sheets.SheetProperties{SheetId: leads, Title: "x"}}},
				"Must specify at least one field"},
			{"TenMillionCells", &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{SheetId: leads, Dimension: "ROWS", Length: 2_000_000}},
				"This action would increase the number of cells in the workbook above the limit of 10000000 cells."},
			{"TooManyColumns", &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{SheetId: leads, Dimension: "COLUMNS", Length: 18_274}},
				"above the limit of 18278 columns"},
			{"UpdateCellsPastGrid", &sheets.Request{UpdateCells: &sheets.UpdateCellsRequest{Start: &sheets.GridCoordinate{SheetId: leads, RowIndex: 15},
				Rows: []*sheets.RowData{{Values: []*sheets.CellData{{}}}}, Fields: "userEnteredValue"}}, "exceeds grid limits. Max rows: 15"},
			{"MultiRowMetadata", &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &sheets.DeveloperMetadata{
				MetadataKey: "k", Visibility: "DOCUMENT", Location: &sheets.DeveloperMetadataLocation{DimensionRange: rowsRange(leads, 1, 3)}}}},
				"single row or column"},
			{"MetadataWithoutLocation", &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &sheets.DeveloperMetadata{
				MetadataKey: "k", Visibility: "DOCUMENT", Location: &sheets.DeveloperMetadataLocation{SheetId: 0}}}}, "exactly one of"},
			{"DeleteAllRows", &sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{Range: rowsRange(leads, 0, 15)}},
				"You can't delete all the rows on the sheet."},
			{"FreezeAllRows", &sheets.Request{UpdateSheetProperties: &sheets.UpdateSheetPropertiesRequest{Properties: &sheets.SheetProperties{SheetId: leads,
				GridProperties: &sheets.GridProperties{FrozenRowCount: 15}}, Fields: "gridProperties.frozenRowCount"}}, "You can't freeze all visible rows"},
			{"NumberFormatWithoutType", &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{Range: &sheets.GridRange{SheetId: leads},
				Cell: &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{NumberFormat: &sheets.NumberFormat{Pattern: "yyyy"}}}, Fields: "userEnteredFormat.numberFormat"}},
				"Invalid numberFormat.type"},
			{"NotEmulated", &sheets.Request{FindReplace: &sheets.FindReplaceRequest{Find: "x", AllSheets: true}}, "does not emulate findReplace"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := batch(e, grow, write, tc.bad)
				ge := apiErr(t, err, 400)
				if !strings.Contains(ge.Message, tc.want) {
					t.Fatalf("message %q, want %q", ge.Message, tc.want)
				}
				if sh := e.srv.Sheets(e.id)[1]; sh.Rows != 10 || e.srv.Cell(e.id, "Leads", 0, 0).Value != "keep" {
					t.Fatalf("partly applied: rows %d, A1 %v", sh.Rows, e.srv.Cell(e.id, "Leads", 0, 0).Value)
				}
			})
		}
		// The same batch without the bad request applies, replies in order.
		resp := must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, grow, write,
			&sheets.Request{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{Title: "Deals"}}}))
		if len(resp.Replies) != 3 || resp.Replies[2].AddSheet.Properties.Title != "Deals" || resp.Replies[2].AddSheet.Properties.GridProperties.RowCount != 1000 {
			t.Fatalf("replies: %+v", resp.Replies)
		}
		if e.srv.Sheets(e.id)[1].Rows != 15 || e.srv.Cell(e.id, "Leads", 0, 0).Value != "overwritten" {
			t.Fatal("valid batch not applied")
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestDatesFormatsAndProperties(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		leads := addSheet(t, e, "Leads", 5, 4)
		must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e,
			&sheets.Request{UpdateSheetProperties: &sheets.UpdateSheetPropertiesRequest{Properties: &sheets.SheetProperties{SheetId: leads, Title: "Leads 2",
				GridProperties: &sheets.GridProperties{FrozenRowCount: 1, RowCount: 6}}, Fields: "title,gridProperties(frozenRowCount,rowCount)"}},
			&sheets.Request{RepeatCell: &sheets.RepeatCellRequest{Range: &sheets.GridRange{SheetId: leads, StartRowIndex: 1, StartColumnIndex: 1, EndColumnIndex: 2},
				Cell: &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{NumberFormat: &sheets.NumberFormat{Type: "DATE", Pattern: "yyyy-mm-dd"}}}, Fields: "userEnteredFormat.numberFormat"}},
			&sheets.Request{UpdateCells: &sheets.UpdateCellsRequest{Start: &sheets.GridCoordinate{SheetId: leads, RowIndex: 1, ColumnIndex: 2},
				Rows: []*sheets.RowData{{Values: []*sheets.CellData{{UserEnteredValue: &sheets.ExtendedValue{NumberValue: ptr(45306.4375)},
					UserEnteredFormat: &sheets.CellFormat{NumberFormat: &sheets.NumberFormat{Type: "DATE_TIME", Pattern: "yyyy-mm-dd hh:mm"}}}}}},
				Fields: "userEnteredValue,userEnteredFormat.numberFormat"}},
		))
		put(t, e, "'Leads 2'!A2", "RAW", [][]any{{"z1", 45306, nil, 0.5}})
		b2, c2 := e.srv.Cell(e.id, "Leads 2", 1, 1), e.srv.Cell(e.id, "Leads 2", 1, 2)
		if !b2.IsDate() || b2.Formatted != "2024-01-15" || !c2.IsDate() || c2.Formatted != "2024-01-15 10:30" {
			t.Fatalf("dates: %+v %+v", b2, c2)
		}
		got := must[*sheets.ValueRange](t)(e.svc.Spreadsheets.Values.Get(e.id, "'Leads 2'!A2:D2").Do())
		if d := cmp.Diff([][]any{{"z1", "2024-01-15", "2024-01-15 10:30", "0.5"}}, got.Values); d != "" {
			t.Fatalf("FORMATTED_VALUE: %s", d)
		}
		got = must[*sheets.ValueRange](t)(e.svc.Spreadsheets.Values.Get(e.id, "'Leads 2'!B2:C2").ValueRenderOption("UNFORMATTED_VALUE").DateTimeRenderOption("FORMATTED_STRING").Do())
		if d := cmp.Diff([][]any{{"2024-01-15", "2024-01-15 10:30"}}, got.Values); d != "" {
			t.Fatalf("FORMATTED_STRING: %s", d)
		}
		ss := must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).Fields("properties(title,locale,timeZone),sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount,frozenRowCount)))").Do())
		p := ss.Sheets[1].Properties
		if ss.SpreadsheetUrl != "" || ss.Properties.Locale != "en_US" || p.Title != "Leads 2" || p.Index != 1 || p.GridProperties.FrozenRowCount != 1 || p.GridProperties.RowCount != 6 {
			t.Fatalf("get with fields: %+v %+v", ss, p)
		}
		full := must[*sheets.Spreadsheet](t)(e.svc.Spreadsheets.Get(e.id).Ranges("'Leads 2'!B2:C2").IncludeGridData(true).Do())
		cd := full.Sheets[1].Data[0].RowData[0].Values[1]
		if *cd.UserEnteredValue.NumberValue != 45306.4375 || cd.UserEnteredFormat.NumberFormat.Type != "DATE_TIME" || cd.FormattedValue != "2024-01-15 10:30" {
			t.Fatalf("grid data: %+v", cd)
		}
	})
}

func TestDimensionsAndMetadata(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		leads := addSheet(t, e, "Leads", 6, 3)
		put(t, e, "Leads!A1", "RAW", [][]any{{"id"}, {"z1"}, {"z2"}, {"z3"}})
		meta := func(row int64, id string) *sheets.Request {
			return &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &sheets.DeveloperMetadata{
				MetadataKey: "zoho_id", MetadataValue: id, Visibility: "DOCUMENT",
				Location: &sheets.DeveloperMetadataLocation{DimensionRange: rowsRange(leads, row, row+1)}}}}
		}
		resp := must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, meta(1, "z1"), meta(2, "z2"), meta(3, "z3"),
			&sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &sheets.DeveloperMetadata{
				MetadataId: 77, MetadataKey: "state", MetadataValue: "{}", Visibility: "PROJECT",
				Location: &sheets.DeveloperMetadataLocation{Spreadsheet: true}}}}))
		if m := resp.Replies[0].CreateDeveloperMetadata.DeveloperMetadata; m.MetadataId <= 0 || m.Location.LocationType != "ROW" || m.Location.DimensionRange.StartIndex != 1 {
			t.Fatalf("created: %+v %+v", m, m.Location)
		}
		// Insert two rows above z2, delete z1's row, move z3's row to the top of the data.
		must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e,
			&sheets.Request{InsertDimension: &sheets.InsertDimensionRequest{Range: rowsRange(leads, 2, 4)}},
			&sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{Range: rowsRange(leads, 1, 2)}},
			&sheets.Request{MoveDimension: &sheets.MoveDimensionRequest{Source: rowsRange(leads, 4, 5), DestinationIndex: 1, ForceSendFields: []string{"DestinationIndex"}}},
		))
		if d := cmp.Diff([][]any{{"id"}, {"z3"}, {}, {}, {"z2"}}, e.srv.Values(e.id, "Leads")); d != "" {
			t.Fatalf("rows: %s", d)
		}
		search := func(l *sheets.DeveloperMetadataLookup) map[string]int64 {
			res := must[*sheets.SearchDeveloperMetadataResponse](t)(e.svc.Spreadsheets.DeveloperMetadata.Search(e.id, &sheets.SearchDeveloperMetadataRequest{
				DataFilters: []*sheets.DataFilter{{DeveloperMetadataLookup: l}}}).Do())
			out := map[string]int64{}
			for _, m := range res.MatchedDeveloperMetadata {
				if m.DeveloperMetadata.Location.DimensionRange != nil {
					out[m.DeveloperMetadata.MetadataValue] = m.DeveloperMetadata.Location.DimensionRange.StartIndex
				} else {
					out[m.DeveloperMetadata.MetadataValue] = -1
				}
			}
			return out
		}
		if d := cmp.Diff(map[string]int64{"z2": 4, "z3": 1}, search(&sheets.DeveloperMetadataLookup{MetadataKey: "zoho_id"})); d != "" {
			t.Fatalf("metadata after insert/delete/move: %s", d)
		}
		if d := cmp.Diff(map[string]int64{"{}": -1}, search(&sheets.DeveloperMetadataLookup{MetadataId: 77})); d != "" {
			t.Fatalf("by id: %s", d)
		}
		// Read and write the row of z2 by its metadata.
		bg := must[*sheets.BatchGetValuesByDataFilterResponse](t)(e.svc.Spreadsheets.Values.BatchGetByDataFilter(e.id, &sheets.BatchGetValuesByDataFilterRequest{
			DataFilters: []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataKey: "zoho_id", MetadataValue: "z2"}}}}).Do())
		if len(bg.ValueRanges) != 1 || bg.ValueRanges[0].ValueRange.Range != "Leads!A5:C5" || bg.ValueRanges[0].ValueRange.Values[0][0] != "z2" {
			t.Fatalf("batchGetByDataFilter: %+v", bg.ValueRanges)
		}
		must[*sheets.BatchUpdateValuesByDataFilterResponse](t)(e.svc.Spreadsheets.Values.BatchUpdateByDataFilter(e.id, &sheets.BatchUpdateValuesByDataFilterRequest{
			ValueInputOption: "RAW", Data: []*sheets.DataFilterValueRange{{DataFilter: &sheets.DataFilter{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataValue: "z2"}},
				Values: [][]any{{"z2", "Beta"}}}}}).Do())
		if e.srv.Cell(e.id, "Leads", 4, 1).Value != "Beta" {
			t.Fatal("batchUpdateByDataFilter did not write")
		}
		// Update, then delete by filter.
		must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e,
			&sheets.Request{UpdateDeveloperMetadata: &sheets.UpdateDeveloperMetadataRequest{DataFilters: []*sheets.DataFilter{{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: 77}}},
				DeveloperMetadata: &sheets.DeveloperMetadata{MetadataValue: `{"v":2}`}, Fields: "metadataValue"}}))
		del := must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e,
			&sheets.Request{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{DataFilter: &sheets.DataFilter{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataKey: "zoho_id"}}}}))
		if n := len(del.Replies[0].DeleteDeveloperMetadata.DeletedDeveloperMetadata); n != 2 {
			t.Fatalf("deleted %d", n)
		}
		if d := cmp.Diff([]Metadata{{ID: 77, Key: "state", Value: `{"v":2}`, Visibility: "PROJECT", LocationType: "SPREADSHEET"}}, e.srv.Metadata(e.id)); d != "" {
			t.Fatalf("left: %s", d)
		}
	})
}

func TestSortRangeAndProtection(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		leads := addSheet(t, e, "Leads", 10, 3)
		put(t, e, "Leads!A1", "RAW", [][]any{{"name", "n"}, {"beta", 2}, {"", 9}, {"Alpha", 3}, {"gamma", true}, {10, 1}})
		must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e,
			&sheets.Request{SortRange: &sheets.SortRangeRequest{Range: &sheets.GridRange{SheetId: leads, StartRowIndex: 1, EndRowIndex: 6},
				SortSpecs: []*sheets.SortSpec{{DimensionIndex: 0, SortOrder: "ASCENDING"}}}},
			&sheets.Request{AddProtectedRange: &sheets.AddProtectedRangeRequest{ProtectedRange: &sheets.ProtectedRange{
				Range: &sheets.GridRange{SheetId: leads, StartColumnIndex: 0, EndColumnIndex: 1}, Description: "sync key", WarningOnly: true}}},
			&sheets.Request{SetBasicFilter: &sheets.SetBasicFilterRequest{Filter: &sheets.BasicFilter{Range: &sheets.GridRange{SheetId: leads, EndColumnIndex: 3}}}},
		))
		want := [][]any{{"name", "n"}, {10.0, 1.0}, {"Alpha", 3.0}, {"beta", 2.0}, {"gamma", true}, {"", 9.0}}
		if d := cmp.Diff(want, e.srv.Values(e.id, "Leads")); d != "" {
			t.Fatalf("sorted: %s", d)
		}
		if in := e.srv.Sheets(e.id)[1]; in.ProtectedRanges != 1 || !in.HasBasicFilter {
			t.Fatalf("protection/filter: %+v", in)
		}
	})
}
