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
// a person wrote there): one read of the tabs, one of the status tab's
// cells and the key headers with their notes, one batchUpdate (with the
// tab's creation when missing).
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
	if status != nil {
		for _, r := range rows {
			if r.SheetID != 0 && r.SheetID == status.SheetId && r.Tab != "" {
				// A person gave a synced tab the status tab's title (after
				// deleting the status tab): the status table would land
				// beside its records.
				return errorf(op, fmt.Sprintf("rename it back to %q (the next run then makes the status tab again), or set status_tab in mapping.yaml to another title", r.Tab),
					"the tab titled %q is the tab the sync writes for %q", status.Title, r.Tab)
			}
		}
	}
	// Ranges name tabs by sheetId, not title: a person may rename a tab
	// between the list above and the read.
	var ranges []*sheets.GridRange
	if status != nil {
		ranges = append(ranges, &sheets.GridRange{SheetId: status.SheetId, ForceSendFields: []string{"SheetId"}})
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
			ranges = append(ranges, &sheets.GridRange{SheetId: t.SheetId, StartRowIndex: 0, EndRowIndex: 1,
				ForceSendFields: []string{"SheetId", "StartRowIndex"}})
		}
	}
	var got map[int64]tabCells
	if len(ranges) > 0 {
		var err error
		if got, err = s.readCells(ctx, ranges); err != nil {
			return s.apiErr(op, err)
		}
	}
	var reqs []*sheets.Request
	kind := kindWrite
	sn := &snapshot{}
	var sheetID, gridRows, gridCols int64
	if status != nil {
		sn.g = got[status.SheetId].g
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
	for _, r := range noted {
		t := tabOf(r)
		read := got[t.SheetId] // the tab's header row, and its notes
		hs := &snapshot{g: read.g}
		if c := hs.headerCol(normHeader(r.KeyHeader)); c >= 0 {
			// A note a person wrote on that cell is kept under the
			// freshness line.
			note := fmt.Sprintf("%s%s · updated %s", freshnessPrefix, r.Module, r.LastSuccess.In(s.loc).Format("2006-01-02 15:04"))
			put(t.SheetId, 0, c, &sheets.CellData{Note: withFreshness(read.notes[c], note)}, "note")
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

// tabCells is a range of one tab as readCells read it: its values, and
// the notes of its first row by column.
type tabCells struct {
	g     *grid
	notes map[int]string
}

// readCells reads ranges (each on a different tab, from A1) with their
// values and notes in one request, by sheet id.
func (s *Spreadsheet) readCells(ctx context.Context, ranges []*sheets.GridRange) (map[int64]tabCells, error) {
	req := &sheets.GetSpreadsheetByDataFilterRequest{IncludeGridData: true}
	for _, r := range ranges {
		req.DataFilters = append(req.DataFilters, &sheets.DataFilter{GridRange: r})
	}
	var ss *sheets.Spreadsheet
	err := s.c.call(ctx, "spreadsheets.getByDataFilter", kindRead, nil, func() (err error) {
		ss, err = s.c.svc.Spreadsheets.GetByDataFilter(s.id, req).
			Fields("sheets(properties(sheetId),data(rowData(values(effectiveValue,note))))").Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[int64]tabCells{}
	for _, sh := range ss.Sheets {
		if sh.Properties == nil || len(sh.Data) == 0 || sh.Data[0] == nil {
			continue
		}
		rows := sh.Data[0].RowData
		g, err := gridOfCells(rows)
		if err != nil {
			return nil, err
		}
		tc := tabCells{g: g, notes: map[int]string{}}
		if len(rows) > 0 && rows[0] != nil {
			for c, cd := range rows[0].Values {
				if cd != nil && cd.Note != "" {
					tc.notes[c] = cd.Note
				}
			}
		}
		out[sh.Properties.SheetId] = tc
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
