package sheetstest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/sheets/v4"
)

func addSheet(t *testing.T, e *env, title string, rows, cols int64) int64 {
	t.Helper()
	resp := must[*sheets.BatchUpdateSpreadsheetResponse](t)(e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{
		Requests: []*sheets.Request{{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{
			Title: title, GridProperties: &sheets.GridProperties{RowCount: rows, ColumnCount: cols}}}}},
	}).Do())
	return resp.Replies[0].AddSheet.Properties.SheetId
}

func put(t *testing.T, e *env, rng, input string, vals [][]any) *sheets.UpdateValuesResponse {
	t.Helper()
	return must[*sheets.UpdateValuesResponse](t)(e.svc.Spreadsheets.Values.Update(e.id, rng, &sheets.ValueRange{Values: vals}).ValueInputOption(input).Do())
}

func TestRawVersusUserEntered(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		inputs := []any{"=SUM(1,2)", "0123", "4150868000000224005", "TRUE", "2024-01-15", "12%", "$100.15", "'0123", "+1 555 0100", 123.5, true, "plain"}
		put(t, e, "Sheet1!A1", "RAW", [][]any{inputs})
		put(t, e, "Sheet1!A2", "USER_ENTERED", [][]any{inputs})
		cases := []struct {
			name         string
			col          int
			raw, entered any
			formula      string // USER_ENTERED formula text
			format       string // USER_ENTERED number format type
		}{
			{"Formula", 0, "=SUM(1,2)", "=SUM(1,2)", "=SUM(1,2)", ""},
			{"LeadingZero", 1, "0123", 123.0, "", ""},
			{"LongID", 2, "4150868000000224005", 4150868000000224005.0, "", ""},
			{"Bool", 3, "TRUE", true, "", ""},
			{"Date", 4, "2024-01-15", 45306.0, "", "DATE"},
			{"Percent", 5, "12%", 0.12, "", "PERCENT"},
			{"Currency", 6, "$100.15", 100.15, "", "CURRENCY"},
			{"Apostrophe", 7, "'0123", "0123", "", ""},
			{"LeadingPlus", 8, "+1 555 0100", "=+1 555 0100", "=+1 555 0100", ""},
			{"Number", 9, 123.5, 123.5, "", ""},
			{"TypedBool", 10, true, true, "", ""},
			{"Text", 11, "plain", "plain", "", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				raw, ent := e.srv.Cell(e.id, "Sheet1", 0, tc.col), e.srv.Cell(e.id, "Sheet1", 1, tc.col)
				if raw.Value != tc.raw || raw.Formula != "" || raw.NumberFormat.Type != "" {
					t.Errorf("RAW: %+v, want %v", raw, tc.raw)
				}
				if ent.Value != tc.entered || ent.Formula != tc.formula || ent.NumberFormat.Type != tc.format {
					t.Errorf("USER_ENTERED: %+v, want %v formula %q format %q", ent, tc.entered, tc.formula, tc.format)
				}
			})
		}
		if c := e.srv.Cell(e.id, "Sheet1", 1, 4); !c.IsDate() || c.Formatted != "2024-01-15" {
			t.Errorf("typed date: %+v", c)
		}
		got := must[*sheets.ValueRange](t)(e.svc.Spreadsheets.Values.Get(e.id, "A2:C2").ValueRenderOption("FORMULA").Do())
		if d := cmp.Diff([][]any{{"=SUM(1,2)", 123.0, 4.150868000000224e18}}, got.Values); d != "" {
			t.Errorf("FORMULA render: %s", d)
		}
	})
}

func TestReadShapes(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		addSheet(t, e, "Jon's Data", 20, 6)
		addSheet(t, e, "My Sheet", 20, 6)
		addSheet(t, e, "A1", 5, 5)
		put(t, e, "'Jon''s Data'!A1", "RAW", [][]any{
			{"id", "name", "amt", nil, nil},
			{"z1", "", 1200.5},
			{},
			{"z3", nil, nil, nil, "far"},
		})
		put(t, e, "'My Sheet'!B2", "RAW", [][]any{{"x"}})
		put(t, e, "'A1'!A1", "RAW", [][]any{{"in the sheet called A1"}})
		put(t, e, "A1", "RAW", [][]any{{"first sheet"}})
		cases := []struct {
			name, rng, major, render string
			wantRange                string
			want                     [][]any
		}{
			{"WholeSheetQuotedDoubled", "'Jon''s Data'", "", "UNFORMATTED_VALUE", "'Jon''s Data'!A1:F20",
				[][]any{{"id", "name", "amt"}, {"z1", "", 1200.5}, {}, {"z3", "", "", "", "far"}}},
			{"UndoubledApostrophe", "'Jon's Data'!A1:B1", "", "", "'Jon''s Data'!A1:B1", [][]any{{"id", "name"}}},
			{"Columns", "'Jon''s Data'!A:C", "", "UNFORMATTED_VALUE", "'Jon''s Data'!A1:C20",
				[][]any{{"id", "name", "amt"}, {"z1", "", 1200.5}, {}, {"z3"}}},
			{"OpenRange", "'Jon''s Data'!A2:Z", "", "FORMATTED_VALUE", "'Jon''s Data'!A2:F20",
				[][]any{{"z1", "", "1200.5"}, {}, {"z3", "", "", "", "far"}}},
			{"Rows", "'Jon''s Data'!2:3", "", "UNFORMATTED_VALUE", "'Jon''s Data'!A2:F3", [][]any{{"z1", "", 1200.5}}},
			{"ColumnsMajor", "'Jon''s Data'!A1:C4", "COLUMNS", "UNFORMATTED_VALUE", "'Jon''s Data'!A1:C4",
				[][]any{{"id", "z1", "", "z3"}, {"name"}, {"amt", 1200.5}}},
			{"AllEmpty", "'Jon''s Data'!A10:B12", "", "", "'Jon''s Data'!A10:B12", nil},
			{"SpaceTitle", "'My Sheet'", "", "", "'My Sheet'!A1:F20", [][]any{{}, {"", "x"}}},
			{"CellLikeTitleQuoted", "'A1'!A1", "", "", "'A1'!A1", [][]any{{"in the sheet called A1"}}},
			{"UnquotedCellIsFirstSheet", "A1", "", "", "Sheet1!A1", [][]any{{"first sheet"}}},
			{"CaseInsensitiveTitle", "my sheet!B2", "", "", "'My Sheet'!B2", [][]any{{"x"}}},
			{"ClippedToGrid", "'My Sheet'!A1:Z5000", "", "", "'My Sheet'!A1:F20", [][]any{{}, {"", "x"}}},
			{"R1C1", "'My Sheet'!R2C2", "", "", "'My Sheet'!B2", [][]any{{"x"}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				call := e.svc.Spreadsheets.Values.Get(e.id, tc.rng)
				if tc.major != "" {
					call.MajorDimension(tc.major)
				}
				if tc.render != "" {
					call.ValueRenderOption(tc.render)
				}
				got, err := call.Do()
				if err != nil {
					t.Fatal(err)
				}
				if got.Range != tc.wantRange {
					t.Errorf("range %q, want %q", got.Range, tc.wantRange)
				}
				if d := cmp.Diff(tc.want, got.Values); d != "" {
					t.Errorf("values (-want +got):\n%s", d)
				}
			})
		}
		bg := must[*sheets.BatchGetValuesResponse](t)(e.svc.Spreadsheets.Values.BatchGet(e.id).Ranges("'My Sheet'!B2", "'Jon''s Data'!A1").Do())
		if len(bg.ValueRanges) != 2 || bg.ValueRanges[0].Values[0][0] != "x" || bg.ValueRanges[1].Values[0][0] != "id" {
			t.Fatalf("batchGet: %+v", bg.ValueRanges)
		}
	})
}

func TestValuesRejections(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		addSheet(t, e, "Leads", 1000, 26)
		long := strings.Repeat("x", 50001)
		cases := []struct {
			name  string
			call  func() error
			wants string
		}{
			{"NoValueInputOption", func() error {
				_, err := e.svc.Spreadsheets.Values.Update(e.id, "Leads!A1", &sheets.ValueRange{Values: [][]any{{1}}}).Do()
				return err
			}, "'valueInputOption' is required but not specified"},
			{"NoValueInputOptionBatch", func() error {
				_, err := e.svc.Spreadsheets.Values.BatchUpdate(e.id, &sheets.BatchUpdateValuesRequest{
					Data: []*sheets.ValueRange{{Range: "Leads!A1", Values: [][]any{{1}}}}}).Do()
				return err
			}, "'valueInputOption' is required"},
			{"StartsPastRows", func() error {
				_, err := e.svc.Spreadsheets.Values.Update(e.id, "Leads!A1001", &sheets.ValueRange{Values: [][]any{{1}}}).ValueInputOption("RAW").Do()
				return err
			}, "Range (Leads!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"},
			{"StartsPastColumns", func() error {
				_, err := e.svc.Spreadsheets.Values.Update(e.id, "Leads!AA1:AB2", &sheets.ValueRange{Values: [][]any{{1}}}).ValueInputOption("RAW").Do()
				return err
			}, "Range (Leads!AA1:AB2) exceeds grid limits. Max rows: 1000, max columns: 26"},
			{"ReadPastGrid", func() error {
				_, err := e.svc.Spreadsheets.Values.Get(e.id, "CRM26").Do()
				return err
			}, "Range (Sheet1!CRM26) exceeds grid limits"},
			{"OverflowRows", func() error {
				_, err := e.svc.Spreadsheets.Values.Update(e.id, "Leads!A999", &sheets.ValueRange{Values: [][]any{{1}, {2}, {3}}}).ValueInputOption("RAW").Do()
				return err
			}, "Requested writing within range [Leads!A999:Z1000], but tried writing to row [1001]"},
			{"OverflowBoundedRange", func() error {
				_, err := e.svc.Spreadsheets.Values.Update(e.id, "Leads!A5:B5", &sheets.ValueRange{Values: [][]any{{1, 2, 3}}}).ValueInputOption("RAW").Do()
				return err
			}, "Requested writing within range [Leads!A5:B5], but tried writing to column [C]"},
			{"UnknownSheet", func() error {
				_, err := e.svc.Spreadsheets.Values.Get(e.id, "Novice!C3:C14").Do()
				return err
			}, "Unable to parse range: Novice!C3:C14"},
			{"BadNotation", func() error {
				_, err := e.svc.Spreadsheets.Values.Get(e.id, "Leads!A1:B2:C3").Do()
				return err
			}, "Unable to parse range: Leads!A1:B2:C3"},
			{"TooManyCharacters", func() error {
				_, err := e.svc.Spreadsheets.Values.Update(e.id, "Leads!A1", &sheets.ValueRange{Values: [][]any{{long}}}).ValueInputOption("RAW").Do()
				return err
			}, "more than the maximum of 50000 characters in a single cell"},
			{"NestedValue", func() error {
				_, err := e.svc.Spreadsheets.Values.Update(e.id, "Leads!A1", &sheets.ValueRange{Values: [][]any{{map[string]any{"a": 1}}}}).ValueInputOption("RAW").Do()
				return err
			}, "Invalid values[0][0]: struct_value"},
			{"BadRenderOption", func() error {
				_, err := e.svc.Spreadsheets.Values.Get(e.id, "Leads!A1").ValueRenderOption("PRETTY").Do()
				return err
			}, "Invalid value at 'value_render_option'"},
			{"BatchIsAtomic", func() error {
				_, err := e.svc.Spreadsheets.Values.BatchUpdate(e.id, &sheets.BatchUpdateValuesRequest{ValueInputOption: "RAW",
					Data: []*sheets.ValueRange{{Range: "Leads!A1", Values: [][]any{{"written?"}}}, {Range: "Nope!A1", Values: [][]any{{1}}}}}).Do()
				return err
			}, "Unable to parse range: Nope!A1"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ge := apiErr(t, tc.call(), 400)
				if !strings.Contains(ge.Message, tc.wants) || !strings.Contains(string(ge.Body), `"status":"INVALID_ARGUMENT"`) {
					t.Fatalf("message %q, want %q", ge.Message, tc.wants)
				}
			})
		}
		if got := e.srv.Values(e.id, "Leads"); len(got) != 0 {
			t.Fatalf("rejected writes changed the sheet: %v", got)
		}
	})
}

func TestWritesAppendClear(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		addSheet(t, e, "Leads", 6, 4)
		put(t, e, "Leads!A1", "RAW", [][]any{{"id", "name"}, {"z1", "Acme"}, {"z2", "Beta"}})
		// null leaves a cell alone, "" clears it.
		put(t, e, "Leads!A2", "RAW", [][]any{{nil, ""}})
		if d := cmp.Diff([][]any{{"id", "name"}, {"z1"}, {"z2", "Beta"}}, e.srv.Values(e.id, "Leads")); d != "" {
			t.Fatalf("null/empty: %s", d)
		}
		app := must[*sheets.AppendValuesResponse](t)(e.svc.Spreadsheets.Values.Append(e.id, "Leads!A1", &sheets.ValueRange{
			Values: [][]any{{"z3", "Gamma"}, {"z4", "Delta"}}}).ValueInputOption("RAW").Do())
		if app.TableRange != "Leads!A1:B3" || app.Updates.UpdatedRange != "Leads!A4:B5" || app.Updates.UpdatedCells != 4 {
			t.Fatalf("append: table %q updates %+v", app.TableRange, app.Updates)
		}
		// OVERWRITE grows the grid only when the data runs off its end.
		app = must[*sheets.AppendValuesResponse](t)(e.svc.Spreadsheets.Values.Append(e.id, "Leads!A:B", &sheets.ValueRange{
			Values: [][]any{{"z5"}, {"z6"}, {"z7"}}}).ValueInputOption("RAW").Do())
		if app.Updates.UpdatedRange != "Leads!A6:A8" || e.srv.Sheets(e.id)[1].Rows != 8 {
			t.Fatalf("append past the end: %+v rows %d", app.Updates, e.srv.Sheets(e.id)[1].Rows)
		}
		// INSERT_ROWS inserts rows: what was below the table moves down.
		put(t, e, "Leads!D8", "RAW", [][]any{{"note"}})
		must[*sheets.AppendValuesResponse](t)(e.svc.Spreadsheets.Values.Append(e.id, "Leads!A1:B3", &sheets.ValueRange{
			Values: [][]any{{"ins"}}}).ValueInputOption("RAW").InsertDataOption("INSERT_ROWS").Do())
		if c := e.srv.Cell(e.id, "Leads", 8, 3); c.Value != "note" || e.srv.Sheets(e.id)[1].Rows != 9 {
			t.Fatalf("INSERT_ROWS: note at row 9 = %+v", c)
		}
		clr := must[*sheets.ClearValuesResponse](t)(e.svc.Spreadsheets.Values.Clear(e.id, "Leads!A2:Z", &sheets.ClearValuesRequest{}).Do())
		if clr.ClearedRange != "Leads!A2:D9" {
			t.Fatalf("cleared %q", clr.ClearedRange)
		}
		bc := must[*sheets.BatchClearValuesResponse](t)(e.svc.Spreadsheets.Values.BatchClear(e.id, &sheets.BatchClearValuesRequest{Ranges: []string{"Leads!A1:B1"}}).Do())
		if len(bc.ClearedRanges) != 1 || len(e.srv.Values(e.id, "Leads")) != 0 {
			t.Fatalf("batchClear %v left %v", bc.ClearedRanges, e.srv.Values(e.id, "Leads"))
		}
		// values:batchUpdate with COLUMNS and the response values.
		bu := must[*sheets.BatchUpdateValuesResponse](t)(e.svc.Spreadsheets.Values.BatchUpdate(e.id, &sheets.BatchUpdateValuesRequest{
			ValueInputOption: "USER_ENTERED", IncludeValuesInResponse: true, ResponseValueRenderOption: "FORMULA",
			Data: []*sheets.ValueRange{{Range: "Leads!A1", MajorDimension: "COLUMNS", Values: [][]any{{"a", "b"}, {"=1", "2"}}}}}).Do())
		if bu.TotalUpdatedCells != 4 || bu.TotalUpdatedSheets != 1 || bu.Responses[0].UpdatedRange != "Leads!A1:B2" ||
			!cmp.Equal(bu.Responses[0].UpdatedData.Values, [][]any{{"a", "b"}, {"=1", 2.0}}) {
			t.Fatalf("batchUpdate: %+v %+v", bu, bu.Responses[0].UpdatedData)
		}
	})
}
