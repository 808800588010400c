package sheets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// statusHeaders are the status tab's columns, in the order a new tab gets
// them. Columns and rows are found by their text (header, tab name), so
// people may sort, reorder, add columns of their own and annotate.
var statusHeaders = []string{"Tab", "Module", "Last successful sync", "Records", "Added", "Updated", "Removed", "Result", "Next run"}

const statusDatePattern = "yyyy-mm-dd hh:mm"

var _ zsync.StatusSink = (*Spreadsheet)(nil)

// WriteStatus makes the tab title hold one row per entry of rows and puts
// a note on the key header of every tab whose run succeeded (above a note
// a person wrote there): one read of the values, one of the notes, one
// batchUpdate (with the tab's creation when missing).
// Values are written as typed cells, never parsed (CRM text in an error
// message stays text); times are date-time cells in the sheet's zone.
// Errors implement zsync.HintError when the fix is known.
func (s *Spreadsheet) WriteStatus(ctx context.Context, title string, rows []zsync.TabStatus) error {
	title = strings.TrimSpace(title)
	if title == "" || len(rows) == 0 {
		return nil
	}
	op := "write the status tab " + quoteTitle(title)
	ss, err := s.get(ctx)
	if err != nil {
		return err
	}
	var status *sheets.SheetProperties
	tabs := map[string]*sheets.SheetProperties{}
	byID := map[int64]*sheets.SheetProperties{}
	used := map[int64]bool{}
	for _, sh := range ss.Sheets {
		if p := sh.Properties; p != nil {
			used[p.SheetId] = true
			byID[p.SheetId] = p
			tabs[normHeader(p.Title)] = p
			if normHeader(p.Title) == normHeader(title) {
				status = p
			}
		}
	}
	var ranges []string
	if status != nil {
		ranges = append(ranges, quoteTitle(status.Title))
	}
	tabOf := func(r zsync.TabStatus) *sheets.SheetProperties {
		if t := byID[r.SheetID]; t != nil && r.SheetID != 0 {
			return t // followed by id: a person may have renamed it
		}
		return tabs[normHeader(r.Tab)]
	}
	var noted []zsync.TabStatus // rows whose tab gets the freshness note
	for _, r := range rows {
		if t := tabOf(r); r.OK && r.KeyHeader != "" && t != nil && t != status {
			noted = append(noted, r)
			ranges = append(ranges, a1Row(t.Title, 0))
		}
	}
	var got []*grid
	if len(ranges) > 0 {
		err := s.c.call(ctx, "values.batchGet", kindRead, nil, func() (err error) {
			got, err = s.getValues(ctx, ranges, nil)
			return err
		})
		if err != nil {
			return s.apiErr(op, err)
		}
	}
	var reqs []*sheets.Request
	kind := kindWrite
	sn := &snapshot{}
	var sheetID, gridRows, gridCols int64
	if status != nil {
		sn.g, got = got[0], got[1:]
		sheetID = status.SheetId
		if g := status.GridProperties; g != nil {
			gridRows, gridCols = g.RowCount, g.ColumnCount
		}
	} else {
		for sheetID = 1_000_001; used[sheetID]; sheetID++ {
		}
		gridRows, gridCols = int64(len(rows)+1), int64(len(statusHeaders))
		reqs = append(reqs, &sheets.Request{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{
			SheetId: sheetID, Title: title, GridProperties: &sheets.GridProperties{RowCount: gridRows, ColumnCount: gridCols, FrozenRowCount: 1},
			ForceSendFields: []string{"SheetId"}}}})
		kind = kindWriteOnce
	}

	// Columns by header; missing ones after the last used column.
	cols := make([]int, len(statusHeaders))
	next := sn.width()
	var newCols []int
	for i, h := range statusHeaders {
		if c := sn.headerCol(normHeader(h)); c >= 0 {
			cols[i] = c
		} else {
			cols[i] = next
			newCols = append(newCols, i)
			next++
		}
	}
	// Rows by tab name; missing ones after the last used row.
	rowOf := make([]int, len(rows))
	nextRow := max(sn.rows(), 1)
	for i, r := range rows {
		rowOf[i] = -1
		for k := 1; k < sn.rows(); k++ {
			if normHeader(keyText(sn.cell(k, cols[0]))) == normHeader(r.Tab) {
				rowOf[i] = k
				break
			}
		}
		if rowOf[i] < 0 {
			rowOf[i] = nextRow
			nextRow++
		}
	}
	if n := int64(nextRow) - gridRows; n > 0 {
		reqs = append(reqs, &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{SheetId: sheetID, Dimension: "ROWS", Length: n, ForceSendFields: []string{"SheetId"}}})
		kind = kindWriteOnce
	}
	if n := int64(next) - gridCols; n > 0 {
		reqs = append(reqs, &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{SheetId: sheetID, Dimension: "COLUMNS", Length: n, ForceSendFields: []string{"SheetId"}}})
		kind = kindWriteOnce
	}
	put := func(sheet int64, r, c int, cd *sheets.CellData, fields string) {
		reqs = append(reqs, &sheets.Request{UpdateCells: &sheets.UpdateCellsRequest{
			Start: &sheets.GridCoordinate{SheetId: sheet, RowIndex: int64(r), ColumnIndex: int64(c), ForceSendFields: []string{"SheetId", "RowIndex", "ColumnIndex"}},
			Rows:  []*sheets.RowData{{Values: []*sheets.CellData{cd}}}, Fields: fields}})
	}
	for _, i := range newCols {
		put(sheetID, 0, cols[i], &sheets.CellData{UserEnteredValue: strValue(statusHeaders[i]),
			UserEnteredFormat: &sheets.CellFormat{TextFormat: &sheets.TextFormat{Bold: true}}}, "userEnteredValue,userEnteredFormat.textFormat.bold")
	}
	for i, r := range rows {
		cells := []*sheets.CellData{
			{UserEnteredValue: strValue(r.Tab)}, {UserEnteredValue: strValue(r.Module)}, s.timeCell(r.LastSuccess),
			{UserEnteredValue: numValue(float64(r.Records))}, {UserEnteredValue: numValue(float64(r.Added))},
			{UserEnteredValue: numValue(float64(r.Updated))}, {UserEnteredValue: numValue(float64(r.Removed))},
			{UserEnteredValue: strValue(r.Result)}, s.timeCell(r.NextRun),
		}
		for j, cd := range cells {
			fields := "userEnteredValue"
			if cd.UserEnteredFormat != nil {
				fields += ",userEnteredFormat.numberFormat"
			}
			put(sheetID, rowOf[i], cols[j], cd, fields)
		}
	}
	type noteAt struct {
		sheetID int64
		col     int
		note    string
	}
	var notes []noteAt
	var cells []string
	for k, r := range noted {
		t := tabOf(r)
		hs := &snapshot{g: got[k]} // the tab's header row
		if c := hs.headerCol(normHeader(r.KeyHeader)); c >= 0 {
			note := fmt.Sprintf("%s%s · updated %s", freshnessPrefix, r.Module, r.LastSuccess.In(s.loc).Format("2006-01-02 15:04"))
			notes = append(notes, noteAt{t.SheetId, c, note})
			cells = append(cells, a1Cell(t.Title, 0, c))
		}
	}
	if len(notes) > 0 {
		// A note a person wrote on that cell is kept under the freshness
		// line (one more read: the values read carries no notes).
		// When that read fails (a tab deleted meanwhile), the status rows
		// are still written, the notes left as they are.
		if old, err := s.notes(ctx, cells); err == nil {
			for _, n := range notes {
				put(n.sheetID, 0, n.col, &sheets.CellData{Note: withFreshness(old[n.sheetID], n.note)}, "note")
			}
		}
	}
	return s.batchUpdate(ctx, op, kind, nil, reqs)
}

// freshnessPrefix starts the line the sync keeps on each tab's key header.
const freshnessPrefix = "Synced from Zoho CRM "

// withFreshness is the note old becomes: line first, then whatever else a
// person wrote (an earlier freshness line is replaced, not repeated).
func withFreshness(old, line string) string {
	if strings.HasPrefix(old, freshnessPrefix) {
		_, old, _ = strings.Cut(old, "\n")
	}
	if strings.TrimSpace(old) == "" {
		return line
	}
	return line + "\n" + old
}

// notes reads the note of each cell (A1 ranges of one cell each, on
// different tabs), by sheet id.
func (s *Spreadsheet) notes(ctx context.Context, cells []string) (map[int64]string, error) {
	var ss *sheets.Spreadsheet
	err := s.c.call(ctx, "spreadsheets.get", kindRead, nil, func() (err error) {
		ss, err = s.c.svc.Spreadsheets.Get(s.id).Ranges(cells...).
			Fields("sheets(properties(sheetId),data(rowData(values(note))))").Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, sh := range ss.Sheets {
		if sh.Properties == nil {
			continue
		}
		for _, d := range sh.Data {
			for _, rd := range d.RowData {
				for _, v := range rd.Values {
					if v != nil && v.Note != "" {
						out[sh.Properties.SheetId] = v.Note
					}
				}
			}
		}
	}
	return out, nil
}

// timeCell is a date-time cell in the sheet's zone, or an empty cell.
func (s *Spreadsheet) timeCell(t time.Time) *sheets.CellData {
	if t.IsZero() {
		return &sheets.CellData{}
	}
	return &sheets.CellData{UserEnteredValue: numValue(serial(t, s.loc)),
		UserEnteredFormat: &sheets.CellFormat{NumberFormat: &sheets.NumberFormat{Type: "DATE_TIME", Pattern: statusDatePattern}}}
}

func strValue(v string) *sheets.ExtendedValue {
	if v == "" {
		return nil // clears the cell
	}
	return &sheets.ExtendedValue{StringValue: &v}
}

func numValue(f float64) *sheets.ExtendedValue { return &sheets.ExtendedValue{NumberValue: &f} }
