package sheets

import (
	"context"
	"slices"
	"sort"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// structure fills p.structure: removals bottom-up, grid growth, freezing
// the header, date formats. needRows/needCols are the grid the write needs.
func (u *upsert) structure(sn *snapshot, p *plan, appendAt, needRows, needCols int, colOf []int) error {
	// Bottom-up, so that each index is still valid when its turn comes.
	for i := len(p.deleteRows) - 1; i >= 0; {
		end := p.deleteRows[i] + 1
		start := p.deleteRows[i]
		for i--; i >= 0 && p.deleteRows[i] == start-1; i-- {
			start--
		}
		p.structure = append(p.structure, &sheets.Request{DeleteDimension: &sheets.DeleteDimensionRequest{
			Range: dimRange(sn.sheetID(), "ROWS", start, end)}})
		p.structOnce = true
	}
	gridRows, gridCols := sn.grid()
	rowsAfter := gridRows - int64(len(p.deleteRows))
	newRows, newCols := max(rowsAfter, int64(needRows)), max(gridCols, int64(needCols))
	if n := sn.total - gridRows*gridCols + newRows*newCols; newRows*newCols > rowsAfter*gridCols && n > MaxCells {
		return u.cellLimitErr(n)
	}
	if int64(needRows) > rowsAfter {
		p.structure = append(p.structure, &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{
			SheetId: sn.sheetID(), Dimension: "ROWS", Length: int64(needRows) - rowsAfter, ForceSendFields: []string{"SheetId"}}})
		p.structOnce = true
	}
	if int64(needCols) > gridCols {
		p.structure = append(p.structure, &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{
			SheetId: sn.sheetID(), Dimension: "COLUMNS", Length: int64(needCols) - gridCols, ForceSendFields: []string{"SheetId"}}})
		p.structOnce = true
	}
	if sn.frozen() == 0 {
		p.structure = append(p.structure, &sheets.Request{UpdateSheetProperties: &sheets.UpdateSheetPropertiesRequest{
			Properties: &sheets.SheetProperties{SheetId: sn.sheetID(), GridProperties: &sheets.GridProperties{FrozenRowCount: 1},
				ForceSendFields: []string{"SheetId"}},
			Fields: "gridProperties.frozenRowCount"}})
	}
	// Date formats on new rows, new columns and cells that held no number
	// (a date filled in later: without a format it would show as 45306).
	// Cells that already held a number keep their format (it moves with
	// the cells when a human sorts), so an incremental run changing dates
	// needs no structural request, and a human's own date format is
	// respected.
	for j, col := range u.t.Columns {
		nf := u.colFormat(j)
		if nf == nil || p.wholeFmt[colOf[j]] {
			continue
		}
		c := colOf[j]
		_, newCol := p.headers[c]
		var rows []int
		for _, pr := range p.rows {
			// Only a date needs its format on a cell filled later (a bare
			// serial reads 45306); other formats go to new rows only.
			if pr.row < appendAt && !newCol && (numberFormat(col.Kind) == nil || !slices.Contains(pr.needFmt, c)) {
				continue
			}
			if pr.src > 0 {
				if _, num := u.wantValue(pr.src-1, j).(float64); num {
					rows = append(rows, pr.row)
				}
			}
			for i, pc := range pr.cols {
				if _, num := pr.vals[i].(float64); pc == c && num {
					rows = append(rows, pr.row)
				}
			}
		}
		sort.Ints(rows)
		for i := 0; i < len(rows); {
			start, end := rows[i], rows[i]+1
			for i++; i < len(rows) && rows[i] <= end; i++ {
				end = rows[i] + 1
			}
			p.structure = append(p.structure, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{
				Range: &sheets.GridRange{SheetId: sn.sheetID(), StartRowIndex: int64(start), EndRowIndex: int64(end),
					StartColumnIndex: int64(c), EndColumnIndex: int64(c + 1),
					ForceSendFields: []string{"SheetId", "StartRowIndex", "StartColumnIndex"}},
				Cell:   &sheets.CellData{UserEnteredFormat: &sheets.CellFormat{NumberFormat: nf}},
				Fields: "userEnteredFormat.numberFormat"}})
		}
	}
	// Columns whose type changed to or from a date: every data row gets
	// the format of the new type (none for text, numbers and bools), also
	// where the value stayed the same number.
	for _, j := range u.reformat {
		if needRows <= 1 {
			break
		}
		f := &sheets.CellFormat{NumberFormat: u.colFormat(j)}
		if f.NumberFormat == nil {
			f = &sheets.CellFormat{} // with the field mask: clears the format
		}
		p.structure = append(p.structure, &sheets.Request{RepeatCell: &sheets.RepeatCellRequest{
			Range: &sheets.GridRange{SheetId: sn.sheetID(), StartRowIndex: 1, EndRowIndex: int64(needRows),
				StartColumnIndex: int64(colOf[j]), EndColumnIndex: int64(colOf[j] + 1),
				ForceSendFields: []string{"SheetId", "StartColumnIndex"}},
			Cell: &sheets.CellData{UserEnteredFormat: f}, Fields: "userEnteredFormat.numberFormat"}})
	}
	p.structure = append(p.structure, p.decor...)
	return nil
}

func numberFormat(k zsync.Kind) *sheets.NumberFormat {
	switch k {
	case zsync.KindDate:
		return &sheets.NumberFormat{Type: "DATE", Pattern: DatePattern}
	case zsync.KindDateTime:
		return &sheets.NumberFormat{Type: "DATE_TIME", Pattern: DateTimePattern}
	}
	return nil
}

func dimRange(sheetID int64, dim string, start, end int) *sheets.DimensionRange {
	return &sheets.DimensionRange{SheetId: sheetID, Dimension: dim, StartIndex: int64(start), EndIndex: int64(end),
		ForceSendFields: []string{"SheetId", "StartIndex"}}
}

// batches calls send with each values:batchUpdate request's data: header
// cells, one range per updated row (null skips the cells in between, which
// keeps other columns untouched), and blocks of new rows, split into
// requests under maxPayload. Each request is built only when its turn
// comes, so the values of a whole tab are never held at once.
func (u *upsert) batches(p *plan, send func([]valueRange) error) error {
	var cur []valueRange
	size := 0
	add := func(vr valueRange, n int) error {
		if size+n > maxPayload && len(cur) > 0 {
			if err := send(cur); err != nil {
				return err
			}
			cur, size = nil, 0
		}
		cur = append(cur, vr)
		size += n
		return nil
	}
	hcols := make([]int, 0, len(p.headers))
	for c := range p.headers {
		hcols = append(hcols, c)
	}
	sort.Ints(hcols)
	for _, c := range hcols {
		if err := add(newValueRange(&sheets.ValueRange{Range: a1Cell(u.title, 0, c), Values: [][]any{{p.headers[c]}}}), 64+len(p.headers[c])); err != nil {
			return err
		}
	}
	for i := range p.rows[:p.nUpdates] {
		pr := &p.rows[i]
		lo, hi := slices.Min(pr.cols), slices.Max(pr.cols)
		row := make([]any, hi-lo+1)
		n := 64
		for i, c := range pr.cols {
			row[c-lo] = pr.vals[i]
			n += approxSize(pr.vals[i])
		}
		n += 5 * (len(row) - len(pr.cols))
		if err := add(newValueRange(&sheets.ValueRange{Range: a1Block(u.title, pr.row, lo, pr.row, hi), Values: [][]any{row}}), n); err != nil {
			return err
		}
	}
	adds := p.rows[p.nUpdates:]
	if len(adds) > 0 {
		lo, hi := -1, -1
		span := func(c int) {
			if lo < 0 || c < lo {
				lo = c
			}
			hi = max(hi, c)
		}
		for i := range adds {
			if adds[i].src > 0 {
				for _, c := range p.colOf {
					span(c)
				}
			}
			for _, c := range adds[i].cols {
				span(c)
			}
		}
		// New rows are encoded as they are made (one row buffer for all):
		// a block of them is held as its JSON, not a boxed value per cell.
		var block []byte
		nrows, ncells := 0, 0
		start, bsize := adds[0].row, 64
		flush := func() error {
			if nrows == 0 {
				return nil
			}
			return add(valueRange{ValueRange: &sheets.ValueRange{Range: a1Block(u.title, start, lo, start+nrows-1, hi)},
				rows: block, cells: ncells}, bsize)
		}
		row := make([]any, hi-lo+1)
		for i := range adds {
			pr := &adds[i]
			clear(row)
			n := 4
			u.each(p, pr, func(c int, v any) {
				row[c-lo] = v
				n += approxSize(v) - 5
			})
			n += 5 * len(row)
			if bsize+n > maxPayload-size && nrows > 0 {
				if err := flush(); err != nil {
					return err
				}
				block, nrows, ncells, start, bsize = nil, 0, 0, pr.row, 64
			}
			if nrows > 0 {
				block = append(block, ',')
			} else {
				// Sized from this row for the rows left (a little more:
				// rows differ), so that the block is not grown by copying.
				block = make([]byte, 0, min(maxPayload, n*(len(adds)-i)*5/4))
			}
			block = appendRow(block, row)
			for _, v := range row {
				if v != nil {
					ncells++
				}
			}
			nrows++
			bsize += n
		}
		if err := flush(); err != nil {
			return err
		}
	}
	if len(cur) > 0 {
		return send(cur)
	}
	return nil
}

// unchanged re-reads the header row and the key column and reports whether
// they are still what the plan was made from.
func (u *upsert) unchanged(ctx context.Context, sn *snapshot, p *plan) (bool, error) {
	ranges := []string{a1Column(u.title, p.keyCol), a1Row(u.title, 0)}
	// Each key is compared as it is read, then dropped: the run never
	// holds a second copy of the key column next to the snapshot's.
	same := true
	filter := func(g *grid, r int) (func(int) bool, bool) {
		g.countOnly = true
		if same && !u.sameKey(g, r, 0, sn.g, r, p.keyCol) {
			same = false
		}
		return dropAll, false
	}
	if _, cols := sn.grid(); int64(p.keyCol) >= cols {
		ranges, filter = ranges[1:], nil // a key column not yet in the grid: reading it would fail
	}
	got, err := u.filteredGet(ctx, filter, ranges...)
	if err != nil {
		return false, err
	}
	var keys *grid
	if filter != nil {
		keys = got[0]
	}
	hdr := got[len(got)-1]
	for c := range max(hdr.rowWidth(0), sn.headerWidth()) {
		if normHeader(keyText(hdr.at(0, c))) != normHeader(keyText(sn.cell(0, c))) {
			return false, nil
		}
	}
	if !same {
		return false, nil
	}
	// Rows the snapshot has beyond the keys read (the filter saw the others).
	for r := max(keys.rows(), 1); r < sn.rows(); r++ {
		if !u.sameKey(keys, r, 0, sn.g, r, p.keyCol) {
			return false, nil
		}
	}
	return true, nil
}

// dropAll is a rowFilter's drop that keeps none of a row's cells.
func dropAll(int) bool { return true }

// write sends the structural batch, then the value batches, then the
// cell links (in the structural batch when they are few: one request less).
func (u *upsert) write(ctx context.Context, p *plan) error {
	links := linkBatches(p.links)
	if len(links) == 1 && len(p.structure) > 0 && len(links[0]) < 50 {
		p.structure, links = append(p.structure, links[0]...), nil
	}
	if len(p.structure) > 0 {
		kind := kindWrite
		if p.structOnce {
			kind = kindWriteOnce
		}
		if err := u.s.batchUpdate(ctx, u.op, kind, &u.requests, p.structure); err != nil {
			return err
		}
		p.structureSent = true
	}
	sent := 0
	err := u.batches(p, func(batch []valueRange) error {
		body := encodeValueRanges(batch)
		err := u.s.c.call(ctx, "values.batchUpdate", kindWrite, &u.requests, u.s.fenced(ctx, func() error {
			return u.s.postValues(ctx, body)
		}))
		if err != nil {
			if sent > 0 {
				u.s.c.log.Warn().Str("sheet", u.title).Int("batches_written", sent).Msg("sheets: write stopped part way; the next run completes it")
			}
			return u.s.apiErr(u.op, err)
		}
		sent++
		for _, vr := range batch {
			u.cells += vr.cells
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Links are cell formats: setting one again is harmless, so a retry
	// or a rerun after a failure here is safe.
	for _, batch := range links {
		if err := u.s.batchUpdate(ctx, u.op, kindWrite, &u.requests, batch); err != nil {
			return err
		}
	}
	return nil
}
