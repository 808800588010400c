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

// snapshotPlan plans a run of a snapshot tab (t.Snapshot): a record with
// a row stamped with the current period's date (an earlier run in the
// same period, or one that stopped half-way) has that row updated in
// place; the period's other rows (records gone, second copies) and, with
// keep, rows stamped before the cutoff are removed; every other record of
// the table is appended, stamped with the period's date. Other rows (older
// snapshots, a person's notes) are never edited. A rerun in the period,
// or a run after a crash at any point, ends with exactly one copy of the
// period's snapshot, and a person's cells beside this period's rows stay
// with their records.
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
	// A row of this period already there is its record's row: updated in
	// place, so what a person wrote beside it (a comment, a formula, a
	// format) stays with it. The period's other rows (a record gone, a
	// second copy left by a run that stopped half-way) and rows stamped
	// before the cutoff go.
	var removed []string
	period0 := map[string]int{} // record → its row of this period
	for r := 1; r < sn.rows(); r++ {
		d, ok := snapshotDay(sn.cell(r, snapCol))
		if !ok || d != period && d >= cutoff {
			continue
		}
		k := u.rowKey(sn, r, keyCol)
		if _, want := u.want[k]; want && d == period {
			if _, dup := period0[k]; !dup {
				period0[strings.Clone(k)] = r
				continue
			}
		}
		p.deleteRows = append(p.deleteRows, r)
		removed = append(removed, k)
	}
	sort.Ints(p.deleteRows)
	p.counts.Removed = len(p.deleteRows)
	final := func(r int) int { return r - sort.SearchInts(p.deleteRows, r) }
	appendAt := max(sn.rows()-len(p.deleteRows), 1)
	var updates []plannedRow
	adds := make([]plannedRow, 0, len(u.order)-len(period0))
	for _, k := range u.order {
		i := u.want[k]
		r, kept := period0[k]
		if !kept {
			// The table row's values are made when written (upsert.each).
			adds = append(adds, plannedRow{row: appendAt + len(adds), key: k, src: i + 1,
				cols: []int{snapCol}, vals: []any{period}})
			continue
		}
		pr := plannedRow{row: final(r), key: k}
		u.diffCells(p, sn, &pr, r, i, colOf)
		if len(pr.cols) > 0 {
			updates = append(updates, pr)
			p.counts.Updated++
		} else {
			p.counts.Unchanged++
		}
	}
	sort.Slice(updates, func(a, b int) bool { return updates[a].row < updates[b].row })
	p.nUpdates = len(updates)
	adds = append(updates, adds...)
	p.rows, p.colOf = adds, colOf
	nAdd := len(adds) - p.nUpdates
	p.counts.Added = nAdd
	p.keyOf = func(r int) string { return u.rowKey(sn, r, keyCol) }
	p.readRows = sn.rows()
	u.noteRows(p.counts.Diff, adds[p.nUpdates:], removed)
	u.decorate(sn, p, colOf, appendAt, appendAt+nAdd)
	if len(adds) == 0 && len(p.deleteRows) == 0 && len(p.headers) == 0 && len(p.decor) == 0 && len(p.links) == 0 {
		return p, nil
	}
	if err := u.structure(sn, p, appendAt, appendAt+nAdd, next, colOf); err != nil {
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
	if nAdd > 0 {
		// The stamp is a date cell, on every appended row.
		p.structure = append(p.structure, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{
			Range: &sheets.GridRange{SheetId: sn.sheetID(), StartRowIndex: int64(appendAt), EndRowIndex: int64(appendAt + nAdd),
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
