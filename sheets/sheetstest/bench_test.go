package sheetstest

import (
	"fmt"
	"testing"

	"google.golang.org/api/sheets/v4"
)

// BenchmarkLargeSheet writes a 100,000 x 20 tab in one values:batchUpdate
// and reads it back with the real client, in-process.
func BenchmarkLargeSheet(b *testing.B) {
	const rows, cols = 100_000, 20
	vals := make([][]any, rows)
	for i := range vals {
		r := make([]any, cols)
		for j := range r {
			if j%2 == 0 {
				r[j] = fmt.Sprintf("r%dc%d", i, j)
			} else {
				r[j] = float64(i*cols + j)
			}
		}
		vals[i] = r
	}
	t := &testing.T{}
	for b.Loop() {
		e := newEnv(t, Options{NoListener: true})
		if _, err := e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
			{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{Title: "Big",
				GridProperties: &sheets.GridProperties{RowCount: rows, ColumnCount: cols}}}}}}).Do(); err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Spreadsheets.Values.BatchUpdate(e.id, &sheets.BatchUpdateValuesRequest{ValueInputOption: "RAW",
			Data: []*sheets.ValueRange{{Range: "Big!A1", Values: vals}}}).Do(); err != nil {
			b.Fatal(err)
		}
		got, err := e.svc.Spreadsheets.Values.Get(e.id, "Big").ValueRenderOption("UNFORMATTED_VALUE").Do()
		if err != nil {
			b.Fatal(err)
		}
		if len(got.Values) != rows || got.Values[rows-1][cols-1] != float64(rows*cols-1) {
			b.Fatalf("read back %d rows", len(got.Values))
		}
		// A structural batch on the big tab: insert a row near the top.
		if _, err := e.svc.Spreadsheets.BatchUpdate(e.id, &sheets.BatchUpdateSpreadsheetRequest{Requests: []*sheets.Request{
			{InsertDimension: &sheets.InsertDimensionRequest{Range: &sheets.DimensionRange{SheetId: e.srv.Sheets(e.id)[1].ID, Dimension: "ROWS", StartIndex: 1, EndIndex: 2}}}}}).Do(); err != nil {
			b.Fatal(err)
		}
		e.srv.Stop()
	}
}

// BenchmarkServerOnly measures the emulator without the client's JSON work.
func BenchmarkServerOnly(b *testing.B) {
	srv, _ := NewServer(Options{NoListener: true, NoAuth: true})
	id := srv.CreateSpreadsheet("x", "UTC")
	const rows, cols = 100_000, 20
	srv.mu.Lock()
	ss := srv.books[id]
	t := srv.begin(ss)
	sh := t.w(ss.sheets[0])
	sh.rows, sh.cols = rows, cols
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			sh.set(i, j, cell{k: kNumber, n: float64(i)})
		}
	}
	t.commit()
	srv.mu.Unlock()
	for b.Loop() {
		srv.mu.Lock()
		out := appendValueRange(nil, srv.books[id].sheets[0], box{0, 0, rows, cols}, "ROWS", renderOpts{mode: "UNFORMATTED_VALUE"})
		srv.mu.Unlock()
		b.SetBytes(int64(len(out)))
	}
}
