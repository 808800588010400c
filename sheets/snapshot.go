package sheets

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// snapshotPlan plans a run of a snapshot tab (t.Snapshot): rows stamped
// with the current period's date (an earlier run in the same period, or
// one that stopped half-way) and, with keep, rows stamped before the
// cutoff are removed; every record of the table is appended, stamped with
// the period's date. Other rows (older snapshots, a person's notes) are
// never edited. Replacing rather than updating makes a rerun in the
// period, or a run after a crash at any point, end with exactly one copy
// of the period's snapshot.
func (u *upsert) snapshotPlan(sn *snapshot) (*plan, error) {
	st := u.t.Snapshot
	p := &plan{headers: map[int]string{}, colHdr: map[int]string{}, wholeFmt: map[int]bool{}}
	p.counts.Diff = u.newDiff()
	next := sn.width()
	col := func(h, header string) int {
		c := sn.headerCol(normHeader(h))
		if c < 0 {
			c = next
			p.headers[c] = header
			next++
		}
		p.colHdr[c] = normHeader(h)
		return c
	}
	snapCol := col(zsync.SnapshotColumn, zsync.SnapshotColumn)
	colOf := make([]int, len(u.hdr))
	for j := range u.hdr {
		colOf[j] = col(u.hdr[j], u.t.Columns[j].Header)
	}
	keyCol := colOf[u.t.Key]
	p.keyCol = keyCol

	day := func(d zsync.Date) float64 {
		return dateSerial(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC))
	}
	period := day(st.Date)
	cutoff := math.Inf(-1)
	if st.Cutoff != (zsync.Date{}) {
		cutoff = day(st.Cutoff)
	}
	var removed []string
	for r := 1; r < sn.rows(); r++ {
		d, ok := snapshotDay(sn.cell(r, snapCol))
		if !ok || d != period && d >= cutoff {
			continue
		}
		p.deleteRows = append(p.deleteRows, r)
		removed = append(removed, u.rowKey(sn, r, keyCol))
	}
	sort.Ints(p.deleteRows)
	p.counts.Removed = len(p.deleteRows)
	appendAt := max(sn.rows()-len(p.deleteRows), 1)
	adds := make([]plannedRow, 0, len(u.order))
	for _, k := range u.order {
		// The table row's values are made when written (upsert.each).
		adds = append(adds, plannedRow{row: appendAt + len(adds), key: k, src: u.want[k] + 1,
			cols: []int{snapCol}, vals: []any{period}})
	}
	p.rows, p.colOf = adds, colOf
	p.counts.Added = len(adds)
	p.keyOf = func(r int) string { return u.rowKey(sn, r, keyCol) }
	p.readRows = sn.rows()
	u.noteRows(p.counts.Diff, adds, removed)
	u.decorate(sn, p, colOf, appendAt, appendAt+len(adds))
	if len(adds) == 0 && len(p.deleteRows) == 0 && len(p.headers) == 0 && len(p.decor) == 0 {
		return p, nil
	}
	if err := u.structure(sn, p, appendAt, appendAt+len(adds), next, colOf); err != nil {
		return nil, err
	}
	if _, isNew := p.headers[snapCol]; isNew {
		p.structure = append(p.structure, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{
			Range: &sheets.GridRange{SheetId: sn.sheetID(), StartRowIndex: 0, EndRowIndex: 1,
				StartColumnIndex: int64(snapCol), EndColumnIndex: int64(snapCol + 1),
				ForceSendFields: []string{"SheetId", "StartRowIndex", "StartColumnIndex"}},
			Cell:   &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{TextFormat: &sheets.TextFormat{Bold: true}}},
			Fields: "userEnteredFormat.textFormat.bold"}})
	}
	if len(adds) > 0 {
		// The stamp is a date cell, on every appended row.
		p.structure = append(p.structure, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{
			Range: &sheets.GridRange{SheetId: sn.sheetID(), StartRowIndex: int64(appendAt), EndRowIndex: int64(appendAt + len(adds)),
				StartColumnIndex: int64(snapCol), EndColumnIndex: int64(snapCol + 1),
				ForceSendFields: []string{"SheetId", "StartRowIndex", "StartColumnIndex"}},
			Cell:   &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{NumberFormat: numberFormat(zsync.KindDate)}},
			Fields: "userEnteredFormat.numberFormat"}})
	}
	if len(p.deleteRows) > 0 {
		p.structOnce = true
	}
	return p, nil
}

// snapshotDay reads a Snapshot cell as a day serial: a date cell, or a
// date a person typed as text; ok is false for anything else (a row that
// is no snapshot row is never removed).
func snapshotDay(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return math.Floor(x), x > 0
	case string:
		d, err := zsync.ParseDate(strings.TrimSpace(x))
		if err != nil {
			return 0, false
		}
		return dateSerial(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)), true
	}
	return 0, false
}

// Cells returns the grid cells of the whole spreadsheet (rows × columns of
// every tab, empty ones included: what Google's 10,000,000-cell limit
// counts).
func (s *Spreadsheet) Cells(ctx context.Context) (int64, error) {
	ss, err := s.get(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, sh := range ss.Sheets {
		if p := sh.Properties; p != nil && p.GridProperties != nil {
			n += p.GridProperties.RowCount * p.GridProperties.ColumnCount
		}
	}
	return n, nil
}
