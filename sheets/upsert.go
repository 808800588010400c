package sheets

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// MaxCells is Google's limit of cells per spreadsheet, counted on grid size.
const MaxCells = 10_000_000

// maxPayload is the JSON size a write request is kept under; Google
// recommends 2 MB at most.
const maxPayload = 1_800_000

// maxRounds bounds re-planning when the tab changes under the upsert.
const maxRounds = 4

// Upsert makes the tab t.Sheet agree with t, keyed by Row.Key:
//
//   - the tab is created (header row frozen) when missing;
//   - columns are found by header text, rows by the key column's text, so
//     a human may reorder rows and columns or add columns of their own:
//     columns the mapping does not own are never written, cleared or moved;
//   - missing headers are added after the last used column, new records
//     after the last used row;
//   - rows of deleted records (and, when t.Full, of keys not in t.Rows) are
//     removed, kept or marked per t.OnDelete; duplicate keys are removed;
//   - only cells whose value differs are written, in one structural
//     batchUpdate (grid growth, deletions, date formats) and as few
//     values:batchUpdate requests as the 2 MB payload allows;
//   - the key column and header row are re-read right before writing (the
//     plan is redone if a human changed them) and after writing; values that
//     a concurrent sort or insert made land on another record are repaired.
//
// With opts.DryRun nothing is written; the result says what would change.
// Duplicate rows removed are counted in Removed. Errors implement
// zsync.HintError when the fix is known.
func (s *Spreadsheet) Upsert(ctx context.Context, t *zsync.Table, opts zsync.UpsertOptions) (zsync.UpsertResult, error) {
	u, err := s.newUpsert(t, opts)
	if err != nil {
		return zsync.UpsertResult{}, err
	}
	l := s.tabLock(t.Sheet)
	l.Lock()
	defer l.Unlock()
	res, err := u.run(ctx)
	res.Requests = u.requests
	res.CellsWritten = u.cells
	if u.cells > 0 {
		s.c.stats.cells(u.cells)
	}
	return res, err
}

// upsert is one Upsert call.
type upsert struct {
	s     *Spreadsheet
	t     *zsync.Table
	opts  zsync.UpsertOptions
	title string
	op    string

	hdr      []string         // normalized headers of t.Columns
	owned    map[string]int   // normalized header → index in t.Columns
	order    []string         // keys of t.Rows, first appearance first
	want     map[string][]any // key → wire values per column
	deleted  map[string]bool
	onDelete zsync.OnDelete
	markHdr  string // normalized mark header ("" when not marking)

	// repairs, gathered when a write landed on the wrong record
	restore    map[string]map[string]any // key → header → value to put back
	restoreRow map[string]bool           // keys whose row was lost: append when missing
	clears     []posClear

	// numKey maps a key cell a human typed as a number too large to hold
	// the id exactly (Sheets turned 4150868000000224005 into 4.15086800000022e18)
	// to the one record it can only be. Rebuilt by each plan.
	numKey map[float64]string

	requests, cells int
}

// posClear undoes a value written into a row without key (a human's
// inserted row) if the cell still holds what was written.
type posClear struct {
	row int
	hdr string
	val any
}

func (s *Spreadsheet) newUpsert(t *zsync.Table, opts zsync.UpsertOptions) (*upsert, error) {
	if t == nil || strings.TrimSpace(t.Sheet) == "" {
		return nil, errors.New("sheets: upsert: table without a sheet name")
	}
	op := fmt.Sprintf("write tab %q", t.Sheet)
	if len(t.Columns) == 0 || t.Key < 0 || t.Key >= len(t.Columns) {
		return nil, fmt.Errorf("sheets: %s: table needs columns and a key column", op)
	}
	u := &upsert{s: s, t: t, opts: opts, title: t.Sheet, op: op,
		owned: map[string]int{}, want: map[string][]any{}, deleted: map[string]bool{},
		restore: map[string]map[string]any{}, restoreRow: map[string]bool{}, onDelete: t.OnDelete}
	for j, c := range t.Columns {
		h := normHeader(c.Header)
		if h == "" {
			return nil, fmt.Errorf("sheets: %s: column %d has no header", op, j+1)
		}
		if _, dup := u.owned[h]; dup {
			return nil, fmt.Errorf("sheets: %s: header %q used twice", op, c.Header)
		}
		u.hdr = append(u.hdr, h)
		u.owned[h] = j
	}
	if u.onDelete == "" {
		u.onDelete = zsync.OnDeleteRemove
	}
	switch u.onDelete {
	case zsync.OnDeleteRemove, zsync.OnDeleteKeep:
	case zsync.OnDeleteMark:
		u.markHdr = normHeader(t.MarkColumn)
		if u.markHdr == "" {
			return nil, &zsync.ConfigError{Where: "mapping", Key: "mark_column", Msg: fmt.Sprintf("tab %q: on_delete mark needs a mark column", t.Sheet),
				Hint: "set mark_column to the header of the column that flags deleted records"}
		}
	default:
		return nil, &zsync.ConfigError{Where: "mapping", Key: "on_delete", Msg: fmt.Sprintf("unknown on_delete %q", t.OnDelete), Hint: "use remove, keep or mark"}
	}
	truncated := 0
	for _, r := range t.Rows {
		k := strings.TrimSpace(r.Key)
		if k == "" {
			s.c.log.Warn().Str("sheet", t.Sheet).Msg("sheets: record without id skipped")
			continue
		}
		vals := make([]any, len(t.Columns))
		for j, col := range t.Columns {
			var c zsync.Cell
			if j < len(r.Cells) {
				c = r.Cells[j]
			}
			if j == t.Key {
				c = zsync.Text(k) // the key cell is always the key's text
			}
			v, cut := wireValue(c, s.loc)
			if cut {
				truncated++
				// Never log the text: it may be personal data.
				s.c.log.Warn().Str("sheet", t.Sheet).Str("key", k).Str("column", col.Header).
					Int("max_chars", MaxCellChars).Msg("sheets: text too long for a cell, truncated")
			}
			vals[j] = v
		}
		if _, seen := u.want[k]; !seen {
			u.order = append(u.order, k)
		}
		u.want[k] = vals
	}
	for _, k := range t.Deleted {
		if k = strings.TrimSpace(k); k != "" {
			u.deleted[k] = true
		}
	}
	return u, nil
}

// snapshot is the tab as read before planning.
type snapshot struct {
	tab    *sheets.SheetProperties // nil: the tab does not exist
	total  int64                   // grid cells of the whole spreadsheet
	values [][]any
}

func (sn *snapshot) cell(r, c int) any {
	if r < 0 || r >= len(sn.values) || c < 0 || c >= len(sn.values[r]) {
		return nil
	}
	return sn.values[r][c]
}

func (sn *snapshot) header(c int) string { return normHeader(keyText(sn.cell(0, c))) }

func (sn *snapshot) width() int {
	w := 0
	for _, r := range sn.values {
		w = max(w, len(r))
	}
	return w
}

func (sn *snapshot) sheetID() int64 {
	if sn.tab == nil {
		return 0
	}
	return sn.tab.SheetId
}

func (sn *snapshot) frozen() int64 {
	if sn.tab == nil || sn.tab.GridProperties == nil {
		return 0
	}
	return sn.tab.GridProperties.FrozenRowCount
}

func (sn *snapshot) grid() (rows, cols int64) {
	if sn.tab == nil || sn.tab.GridProperties == nil {
		return 0, 0
	}
	return sn.tab.GridProperties.RowCount, sn.tab.GridProperties.ColumnCount
}

// headerCol returns the first column whose header is h, or -1.
func (sn *snapshot) headerCol(h string) int {
	if len(sn.values) == 0 {
		return -1
	}
	for c := range sn.values[0] {
		if sn.header(c) == h {
			return c
		}
	}
	return -1
}

// headerCol2 returns the second column whose header is h, or -1.
func (sn *snapshot) headerCol2(h string) int {
	if c := sn.headerCol(h); c >= 0 {
		for c++; c < len(sn.values[0]); c++ {
			if sn.header(c) == h {
				return c
			}
		}
	}
	return -1
}

// rowOf returns the first row (≥1) whose key column holds k (as read by
// keyOf), or -1.
func (sn *snapshot) rowOf(keyCol int, k string, keyOf func(any) string) int {
	for r := 1; r < len(sn.values); r++ {
		if keyOf(sn.cell(r, keyCol)) == k {
			return r
		}
	}
	return -1
}

func (u *upsert) run(ctx context.Context) (zsync.UpsertResult, error) {
	var res zsync.UpsertResult
	var last error // why the previous round did not finish
	counted := false
	for round := 0; round < maxRounds; round++ {
		sn, err := u.read(ctx)
		if err != nil {
			return res, err
		}
		created := false
		if sn.tab == nil && !u.opts.DryRun {
			if sn, err = u.createTab(ctx, sn); err != nil {
				if errors.Is(err, ErrAmbiguous) {
					continue // re-read: the tab may exist now
				}
				return res, err
			}
			created = true
		}
		p, err := u.plan(sn)
		if err != nil {
			return res, err
		}
		if !counted {
			res = p.counts
		}
		if u.opts.DryRun || p.empty() {
			return res, nil
		}
		if !created {
			same, err := u.unchanged(ctx, sn, p)
			if err != nil {
				return res, err
			}
			if !same {
				u.s.c.log.Warn().Str("sheet", u.title).Msg("sheets: the tab changed while planning; planning again")
				continue
			}
		}
		counted = true
		if err := u.write(ctx, p); err != nil {
			if errors.Is(err, ErrAmbiguous) {
				u.s.c.log.Warn().Str("sheet", u.title).Err(err).Msg("sheets: a structural write may or may not have been applied; reading the tab again")
				last = err
				continue
			}
			if gridChanged(err) {
				// A human deleted rows or columns (or renamed the tab)
				// after the re-check: the failed request applied nothing,
				// but earlier batches may have landed on moved rows.
				u.s.c.log.Warn().Str("sheet", u.title).Err(err).Msg("sheets: the tab shrank or was renamed while writing; reading it again")
				last = err
				if _, err := u.verify(ctx, sn, p); err != nil {
					return res, err
				}
				continue
			}
			return res, err
		}
		damaged, err := u.verify(ctx, sn, p)
		if err != nil {
			return res, err
		}
		if !damaged {
			return res, nil
		}
		u.s.c.log.Warn().Str("sheet", u.title).Msg("sheets: rows or columns moved while writing; repairing the affected records")
	}
	msg := fmt.Sprintf("the tab kept changing while it was being written (%d attempts)", maxRounds)
	if last != nil {
		msg += "; last failure: " + last.Error()
	}
	return res, errorf(u.op, "run the sync again when nobody is reorganising the tab", "%s", msg)
}

// gridChanged reports a write Google refused because the range no longer
// fits the tab: rows or columns were deleted, or the tab renamed, since it
// was read. A refused request applies nothing, so planning again is safe.
func gridChanged(err error) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != http.StatusBadRequest {
		return false
	}
	m := ge.Message
	return strings.Contains(m, "exceeds grid limits") || strings.Contains(m, "Unable to parse range") ||
		strings.Contains(m, "Requested writing within range")
}

// read returns the tab's properties and every value in it.
func (u *upsert) read(ctx context.Context) (*snapshot, error) {
	ss, err := u.s.get(ctx)
	if err != nil {
		return nil, err
	}
	sn := &snapshot{}
	for _, sh := range ss.Sheets {
		p := sh.Properties
		if p == nil {
			continue
		}
		if p.GridProperties != nil {
			sn.total += p.GridProperties.RowCount * p.GridProperties.ColumnCount
		}
		if p.Title == u.title || (sn.tab == nil && strings.EqualFold(p.Title, u.title)) {
			sn.tab = p
		}
	}
	if sn.tab == nil {
		return sn, nil
	}
	u.title = sn.tab.Title // a tab titled "leads" serves a mapping saying "Leads"
	vr, err := u.batchGet(ctx, quoteTitle(u.title))
	if err != nil {
		return nil, err
	}
	sn.values = vr[0]
	return sn, nil
}

// batchGet reads ranges as unformatted values with date serials.
func (u *upsert) batchGet(ctx context.Context, ranges ...string) ([][][]any, error) {
	var resp *sheets.BatchGetValuesResponse
	err := u.s.c.call(ctx, "values.batchGet", kindRead, nil, func() (err error) {
		resp, err = u.s.c.svc.Spreadsheets.Values.BatchGet(u.s.id).Ranges(ranges...).
			ValueRenderOption("UNFORMATTED_VALUE").DateTimeRenderOption("SERIAL_NUMBER").
			MajorDimension("ROWS").Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, u.s.apiErr("read tab "+quoteTitle(u.title), err)
	}
	out := make([][][]any, len(ranges))
	for i := range out {
		if i < len(resp.ValueRanges) && resp.ValueRanges[i] != nil {
			out[i] = toAny(resp.ValueRanges[i].Values)
		}
	}
	return out, nil
}

func toAny(v [][]interface{}) [][]any { return v }

// createTab adds the tab sized for the table, header row frozen.
func (u *upsert) createTab(ctx context.Context, sn *snapshot) (*snapshot, error) {
	rows := int64(len(u.want) + 1)
	cols := int64(len(u.t.Columns))
	if u.markHdr != "" {
		if _, owned := u.owned[u.markHdr]; !owned {
			cols++
		}
	}
	rows = max(rows, 2)
	if sn.total+rows*cols > MaxCells {
		return nil, u.cellLimitErr(sn.total + rows*cols)
	}
	props := &sheets.SheetProperties{Title: u.title, GridProperties: &sheets.GridProperties{
		RowCount: rows, ColumnCount: cols, FrozenRowCount: 1}}
	replies, err := u.s.batchUpdateReplies(ctx, "create tab "+quoteTitle(u.title), kindWriteOnce, &u.requests,
		[]*sheets.Request{{AddSheet: &sheets.AddSheetRequest{Properties: props}}})
	if err != nil {
		return nil, err
	}
	if len(replies) == 1 && replies[0].AddSheet != nil && replies[0].AddSheet.Properties != nil {
		props = replies[0].AddSheet.Properties
	}
	if props.GridProperties == nil {
		props.GridProperties = &sheets.GridProperties{RowCount: rows, ColumnCount: cols, FrozenRowCount: 1}
	}
	u.s.c.log.Info().Str("sheet", u.title).Msg("sheets: created tab")
	return &snapshot{tab: props, total: sn.total + rows*cols}, nil
}

func (u *upsert) cellLimitErr(n int64) error {
	return errorf(u.op, "delete unused tabs, rows or columns, or sync this module into another spreadsheet",
		"writing would grow the spreadsheet to %d cells, above Google's limit of %d", n, MaxCells)
}

// plannedRow is the cells written into one row.
type plannedRow struct {
	row  int // row index after the structural batch
	key  string
	cols []int
	vals []any
	// needFmt are columns of an existing row whose cell held no number
	// (empty or text), so it has no date format of its own yet.
	needFmt []int
}

// plan is what one round writes.
type plan struct {
	counts     zsync.UpsertResult
	keyCol     int
	deleteRows []int // rows removed (indexes before removal, ascending)
	structure  []*sheets.Request
	structOnce bool // structure has non-idempotent requests
	headers    map[int]string
	rows       []plannedRow
	colHdr     map[int]string // column → normalized header expected there
	finalKeys  []string       // key of each row after the write
	data       [][]*sheets.ValueRange
	cells      int
}

func (p *plan) empty() bool { return len(p.structure) == 0 && len(p.data) == 0 }

// plan compares the snapshot with the table and returns the writes.
func (u *upsert) plan(sn *snapshot) (*plan, error) {
	p := &plan{headers: map[int]string{}, colHdr: map[int]string{}}
	width := sn.width()
	next := width
	colOf := make([]int, len(u.hdr))
	for j, h := range u.hdr {
		if c, dup := sn.headerCol(h), sn.headerCol2(h); dup >= 0 {
			// A human's column with the same header: writing the first
			// would overwrite the human's values, and taking theirs for
			// the key column would match no record (a full run would
			// remove every row).
			hd := u.t.Columns[j].Header
			return nil, errorf(u.op, fmt.Sprintf("rename one of the two columns headed %q (the one the sync does not fill), or delete it", hd),
				"the headers %q (column %s) and %q (column %s) both match the mapping's column %q",
				keyText(sn.cell(0, c)), colName(c), keyText(sn.cell(0, dup)), colName(dup), hd)
		}
		if c := sn.headerCol(h); c >= 0 {
			colOf[j] = c
		} else {
			colOf[j] = next
			p.headers[next] = u.t.Columns[j].Header
			next++
		}
		p.colHdr[colOf[j]] = h
	}
	markCol := -1
	if u.markHdr != "" {
		markCol = sn.headerCol(u.markHdr)
		if j, owned := u.owned[u.markHdr]; owned {
			markCol = colOf[j]
		}
	}
	_, markOwned := u.owned[u.markHdr]
	keyCol := colOf[u.t.Key]
	p.keyCol = keyCol
	if _, missing := p.headers[keyCol]; missing && len(sn.values) > 1 {
		// Without its key column every record would be appended again.
		return nil, errorf(u.op, fmt.Sprintf("put the header %q back above the record ids (or clear the tab)", u.t.Columns[u.t.Key].Header),
			"the tab has rows but no key column %q", u.t.Columns[u.t.Key].Header)
	}

	nrows := len(sn.values)
	u.resolveNumKeys(sn, keyCol)
	rowsOf := map[string][]int{}
	lossy := map[string]bool{} // keys typed as numbers that lost digits and match no record
	var tabKeys []string
	for r := 1; r < nrows; r++ {
		v := sn.cell(r, keyCol)
		if k := u.keyOf(v); k != "" {
			if f, ok := v.(float64); ok && math.Abs(f) >= 1<<53 && keyText(f) == k {
				lossy[k] = true
			}
			if _, seen := rowsOf[k]; !seen {
				tabKeys = append(tabKeys, k)
			}
			rowsOf[k] = append(rowsOf[k], r)
		}
	}

	// Rows to remove: duplicates, then deleted records.
	del := map[int]bool{}
	dups := 0
	for _, k := range tabKeys {
		if _, want := u.want[k]; !want && !isRecordID(k) {
			continue // a human's row ("Total", a note): not ours to dedupe
		}
		for _, r := range rowsOf[k][1:] {
			del[r] = true
			dups++
		}
	}
	if dups > 0 {
		u.s.c.log.Warn().Str("sheet", u.title).Int("rows", dups).Msg("sheets: duplicate keys in the tab; removing the lower duplicates")
		p.counts.Removed += dups
	}
	var gone []string
	for _, k := range tabKeys {
		if _, want := u.want[k]; want {
			continue
		}
		if lossy[k] && !u.deleted[k] {
			// A human typed an id that Sheets rounded: it may be a record
			// still in Zoho, so the row (and the human's notes) stays.
			u.s.c.log.Warn().Str("sheet", u.title).Str("key", k).Msg("sheets: a key cell holds a number that lost digits; leaving its row alone (type the id as text, e.g. with a leading ')")
			continue
		}
		if u.deleted[k] || (u.t.Full && !u.restoreRow[k] && isRecordID(k)) {
			gone = append(gone, k)
		}
	}
	var marks []int // rows to mark
	for _, k := range gone {
		r := rowsOf[k][0]
		switch u.onDelete {
		case zsync.OnDeleteRemove:
			del[r] = true
			p.counts.Removed++
		case zsync.OnDeleteMark:
			if keyText(sn.cell(r, markCol)) != u.t.MarkText || markCol < 0 {
				marks = append(marks, r)
			}
		}
	}
	for r := range del {
		p.deleteRows = append(p.deleteRows, r)
	}
	sort.Ints(p.deleteRows)
	final := func(r int) int { return r - sort.SearchInts(p.deleteRows, r) }

	if len(marks) > 0 && markCol < 0 {
		markCol = next
		p.headers[next] = u.t.MarkColumn
		next++
	}
	if markCol >= 0 {
		p.colHdr[markCol] = u.markHdr
	}

	// Existing rows: cells that differ; new rows after the last used row.
	appendAt := max(nrows-len(p.deleteRows), 1)
	var updates, adds []plannedRow
	colFor := func(h string) int {
		if j, ok := u.owned[h]; ok {
			return colOf[j]
		}
		if h == u.markHdr {
			return markCol
		}
		return sn.headerCol(h)
	}
	for _, k := range u.order {
		vals := u.want[k]
		rs, found := rowsOf[k]
		if !found {
			pr := plannedRow{row: appendAt + len(adds), key: k}
			for j, v := range vals {
				if s, ok := v.(string); v == nil || ok && s == "" {
					continue
				}
				pr.cols = append(pr.cols, colOf[j])
				pr.vals = append(pr.vals, v)
			}
			pr.addRestore(u.restore[k], colFor, nil, 0)
			adds = append(adds, pr)
			p.counts.Added++
			continue
		}
		r := rs[0]
		pr := plannedRow{row: final(r), key: k}
		for j, v := range vals {
			if have := sn.cell(r, colOf[j]); !sameValue(v, u.t.Columns[j].Kind, have) {
				pr.cols = append(pr.cols, colOf[j])
				pr.vals = append(pr.vals, v)
				if _, num := have.(float64); !num {
					pr.needFmt = append(pr.needFmt, colOf[j])
				}
			}
		}
		changed := len(pr.cols) > 0
		if markCol >= 0 && !markOwned && u.t.MarkText != "" && keyText(sn.cell(r, markCol)) == u.t.MarkText {
			pr.cols = append(pr.cols, markCol) // the record is back: unmark
			pr.vals = append(pr.vals, "")
			changed = true
		}
		pr.addRestore(u.restore[k], colFor, sn, r)
		if changed {
			p.counts.Updated++
		} else {
			p.counts.Unchanged++
		}
		if len(pr.cols) > 0 {
			updates = append(updates, pr)
		}
	}
	for _, r := range marks {
		if del[r] {
			continue
		}
		updates = append(updates, plannedRow{row: final(r), key: u.keyOf(sn.cell(r, keyCol)), cols: []int{markCol}, vals: []any{u.t.MarkText}})
		p.counts.Marked++
	}
	// Repairs of records not in the table.
	restoreKeys := make([]string, 0, len(u.restore))
	for k := range u.restore {
		if _, want := u.want[k]; !want {
			restoreKeys = append(restoreKeys, k)
		}
	}
	sort.Strings(restoreKeys)
	for _, k := range restoreKeys {
		if rs, found := rowsOf[k]; found {
			if del[rs[0]] {
				continue
			}
			pr := plannedRow{row: final(rs[0]), key: k}
			pr.addRestore(u.restore[k], colFor, sn, rs[0])
			if len(pr.cols) > 0 {
				updates = append(updates, pr)
			}
		} else if u.restoreRow[k] && !u.deleted[k] {
			pr := plannedRow{row: appendAt + len(adds), key: k}
			pr.addRestore(u.restore[k], colFor, nil, 0)
			if len(pr.cols) > 0 {
				adds = append(adds, pr)
			}
		}
	}
	for _, c := range u.clears {
		col := sn.headerCol(c.hdr)
		if c.row < nrows && !del[c.row] && col >= 0 && u.keyOf(sn.cell(c.row, keyCol)) == "" && sameValue(c.val, zsync.KindText, sn.cell(c.row, col)) {
			updates = append(updates, plannedRow{row: final(c.row), cols: []int{col}, vals: []any{""}})
		}
	}
	u.clears = nil
	for i := range updates {
		for _, c := range updates[i].cols {
			if _, ok := p.colHdr[c]; !ok {
				p.colHdr[c] = sn.header(c)
			}
		}
	}
	for i := range adds {
		for _, c := range adds[i].cols {
			if _, ok := p.colHdr[c]; !ok {
				p.colHdr[c] = sn.header(c)
			}
		}
	}
	sort.Slice(updates, func(i, j int) bool { return updates[i].row < updates[j].row })
	p.rows = append(updates, adds...)

	// Keys after the write, for verification.
	p.finalKeys = make([]string, appendAt+len(adds))
	for r := 1; r < nrows; r++ {
		if !del[r] {
			p.finalKeys[final(r)] = u.keyOf(sn.cell(r, keyCol))
		}
	}
	for _, a := range adds {
		p.finalKeys[a.row] = a.key
	}

	if len(p.rows) == 0 && len(p.headers) == 0 && len(p.deleteRows) == 0 {
		return p, nil
	}
	if err := u.structure(sn, p, appendAt, appendAt+len(adds), next, colOf); err != nil {
		return nil, err
	}
	u.values(p, len(updates))
	return p, nil
}

// keyOf is the key of a key cell as read: its text, or the record a
// number typed by a human resolves to (see resolveNumKeys).
func (u *upsert) keyOf(v any) string {
	if f, ok := v.(float64); ok {
		if k, ok := u.numKey[f]; ok {
			return k
		}
	}
	return keyText(v)
}

// resolveNumKeys fills u.numKey. A human typing a 19-digit Zoho id gets a
// number that lost its last digits, so its text matches no record: the
// record would be appended again and, in a full run, the human's row (with
// their notes) removed. Such a number is taken for a record only when it
// can be no other: in a full run (every record is in the table) and when
// exactly one record, and no text key already in the tab, rounds to it.
// An incremental run leaves it alone rather than risk writing one record's
// values onto another's row; the next full run merges the two rows.
func (u *upsert) resolveNumKeys(sn *snapshot, keyCol int) {
	u.numKey = nil
	if !u.t.Full {
		return
	}
	var nums []float64
	for r := 1; r < len(sn.values); r++ {
		f, ok := sn.cell(r, keyCol).(float64)
		if !ok || math.Abs(f) < 1<<53 {
			continue // small numbers are exact: keyText matches them
		}
		if _, want := u.want[keyText(f)]; !want {
			nums = append(nums, f)
		}
	}
	if len(nums) == 0 {
		return
	}
	// Sheets keeps 15 significant digits of a typed number; the double may
	// also hold more. Compare both ways.
	short := func(f float64) string { return strconv.FormatFloat(f, 'g', 15, 64) }
	byExact, byShort := map[float64][]string{}, map[string][]string{}
	add := func(k string) {
		f, err := strconv.ParseFloat(k, 64)
		if err != nil || math.Abs(f) < 1<<53 {
			return
		}
		if !slices.Contains(byExact[f], k) {
			byExact[f] = append(byExact[f], k)
		}
		if s := short(f); !slices.Contains(byShort[s], k) {
			byShort[s] = append(byShort[s], k)
		}
	}
	for _, k := range u.order {
		add(k)
	}
	for r := 1; r < len(sn.values); r++ {
		if s, ok := sn.cell(r, keyCol).(string); ok {
			add(strings.TrimSpace(s))
		}
	}
	for _, f := range nums {
		c := byShort[short(f)]
		if len(c) != 1 || (len(byExact[f]) > 0 && byExact[f][0] != c[0]) {
			continue // none, or more than one record it could be
		}
		if _, want := u.want[c[0]]; !want {
			continue // a text key in the tab: the number is a second copy of it, or another record
		}
		if u.numKey == nil {
			u.numKey = map[float64]string{}
		}
		u.numKey[f] = c[0]
	}
}

// addRestore adds the cells of a repair (header → value) that differ from
// the row r of sn (sn nil: a new row).
func (pr *plannedRow) addRestore(cells map[string]any, colFor func(string) int, sn *snapshot, r int) {
	hs := make([]string, 0, len(cells))
	for h := range cells {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	for _, h := range hs {
		c := colFor(h)
		if c < 0 || slices.Contains(pr.cols, c) {
			continue
		}
		v := cells[h]
		if sn != nil && sameValue(v, zsync.KindNumber, sn.cell(r, c)) {
			continue
		}
		if sn == nil {
			if s, ok := v.(string); ok && s == "" {
				continue
			}
		}
		pr.cols = append(pr.cols, c)
		pr.vals = append(pr.vals, v)
	}
}

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
		nf := numberFormat(col.Kind)
		if nf == nil {
			continue
		}
		c := colOf[j]
		_, newCol := p.headers[c]
		var rows []int
		for _, pr := range p.rows {
			if pr.row < appendAt && !newCol && !slices.Contains(pr.needFmt, c) {
				continue
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

// values fills p.data: header cells, one range per updated row (null
// skips the cells in between, which keeps other columns untouched), and
// blocks of new rows, split into requests under maxPayload.
func (u *upsert) values(p *plan, nUpdates int) {
	var batches [][]*sheets.ValueRange
	var cur []*sheets.ValueRange
	size := 0
	add := func(vr *sheets.ValueRange, n int) {
		if size+n > maxPayload && len(cur) > 0 {
			batches = append(batches, cur)
			cur, size = nil, 0
		}
		cur = append(cur, vr)
		size += n
	}
	hcols := make([]int, 0, len(p.headers))
	for c := range p.headers {
		hcols = append(hcols, c)
	}
	sort.Ints(hcols)
	for _, c := range hcols {
		add(&sheets.ValueRange{Range: a1Cell(u.title, 0, c), Values: [][]any{{p.headers[c]}}}, 64+len(p.headers[c]))
		p.cells++
	}
	for _, pr := range p.rows[:nUpdates] {
		lo, hi := slices.Min(pr.cols), slices.Max(pr.cols)
		row := make([]any, hi-lo+1)
		n := 64
		for i, c := range pr.cols {
			row[c-lo] = pr.vals[i]
			n += approxSize(pr.vals[i])
		}
		n += 5 * (len(row) - len(pr.cols))
		p.cells += len(pr.cols)
		add(&sheets.ValueRange{Range: a1Block(u.title, pr.row, lo, pr.row, hi), Values: [][]any{row}}, n)
	}
	adds := p.rows[nUpdates:]
	if len(adds) > 0 {
		lo, hi := -1, -1
		for _, pr := range adds {
			for _, c := range pr.cols {
				if lo < 0 || c < lo {
					lo = c
				}
				hi = max(hi, c)
			}
		}
		var block [][]any
		start, bsize := adds[0].row, 64
		flush := func() {
			if len(block) > 0 {
				add(&sheets.ValueRange{Range: a1Block(u.title, start, lo, start+len(block)-1, hi), Values: block}, bsize)
			}
		}
		for _, pr := range adds {
			row := make([]any, hi-lo+1)
			n := 4 + 5*(len(row)-len(pr.cols))
			for i, c := range pr.cols {
				row[c-lo] = pr.vals[i]
				n += approxSize(pr.vals[i])
			}
			p.cells += len(pr.cols)
			if bsize+n > maxPayload-size && len(block) > 0 {
				flush()
				block, start, bsize = nil, pr.row, 64
			}
			block = append(block, row)
			bsize += n
		}
		flush()
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	p.data = batches
}

// unchanged re-reads the header row and the key column and reports whether
// they are still what the plan was made from.
func (u *upsert) unchanged(ctx context.Context, sn *snapshot, p *plan) (bool, error) {
	ranges := []string{a1Row(u.title, 0), a1Column(u.title, p.keyCol)}
	if _, cols := sn.grid(); int64(p.keyCol) >= cols {
		ranges = ranges[:1] // a key column not yet in the grid: reading it would fail
	}
	got, err := u.batchGet(ctx, ranges...)
	if err != nil {
		return false, err
	}
	got = append(got, nil)
	var hdr []any
	if len(got[0]) > 0 {
		hdr = got[0][0]
	}
	var want []any
	if len(sn.values) > 0 {
		want = sn.values[0]
	}
	for c := range max(len(hdr), len(want)) {
		var h, w any
		if c < len(hdr) {
			h = hdr[c]
		}
		if c < len(want) {
			w = want[c]
		}
		if normHeader(keyText(h)) != normHeader(keyText(w)) {
			return false, nil
		}
	}
	keys := got[1]
	n := max(len(keys), len(sn.values))
	for r := 1; r < n; r++ {
		var k any
		if r < len(keys) && len(keys[r]) > 0 {
			k = keys[r][0]
		}
		if u.keyOf(k) != u.keyOf(sn.cell(r, p.keyCol)) {
			return false, nil
		}
	}
	return true, nil
}

// write sends the structural batch, then the value batches.
func (u *upsert) write(ctx context.Context, p *plan) error {
	if len(p.structure) > 0 {
		kind := kindWrite
		if p.structOnce {
			kind = kindWriteOnce
		}
		if err := u.s.batchUpdate(ctx, u.op, kind, &u.requests, p.structure); err != nil {
			return err
		}
	}
	for i, batch := range p.data {
		req := &sheets.BatchUpdateValuesRequest{ValueInputOption: "RAW", Data: batch}
		err := u.s.c.call(ctx, "values.batchUpdate", kindWrite, &u.requests, func() error {
			_, err := u.s.c.svc.Spreadsheets.Values.BatchUpdate(u.s.id, req).Context(ctx).Do()
			return err
		})
		if err != nil {
			if i > 0 {
				u.s.c.log.Warn().Str("sheet", u.title).Int("batches_written", i).Msg("sheets: write stopped part way; the next run completes it")
			}
			return u.s.apiErr(u.op, err)
		}
		for _, vr := range batch {
			for _, row := range vr.Values {
				for _, v := range row {
					if v != nil {
						u.cells++
					}
				}
			}
		}
	}
	return nil
}

// verify re-reads the key column and header row after the write. Values
// that landed on another record (a human sorted or inserted rows, or moved
// columns, during the write) are turned into repairs for the next round:
// the intended record is rewritten wherever it now is, and the record hit
// by mistake gets back the values it had in sn.
func (u *upsert) verify(ctx context.Context, sn *snapshot, p *plan) (bool, error) {
	got, err := u.batchGet(ctx, a1Row(u.title, 0), a1Column(u.title, p.keyCol))
	if err != nil {
		return false, err
	}
	hdrAt := func(c int) string {
		if len(got[0]) > 0 && c < len(got[0][0]) {
			return normHeader(keyText(got[0][0][c]))
		}
		return ""
	}
	keyAt := func(r int) string {
		if r < len(got[1]) && len(got[1][r]) > 0 {
			return keyText(got[1][r][0])
		}
		return ""
	}
	damaged := false
	for c, h := range p.headers {
		if hdrAt(c) != normHeader(h) {
			damaged = true
		}
	}
	origCol := map[string]int{}
	orig := func(k, h string) (any, bool) {
		c, ok := origCol[h]
		if !ok {
			c = sn.headerCol(h)
			origCol[h] = c
		}
		r := sn.rowOf(p.keyCol, k, u.keyOf)
		if c < 0 || r < 0 {
			return nil, false
		}
		v := sn.cell(r, c)
		if v == nil {
			v = ""
		}
		return v, true
	}
	for _, pr := range p.rows {
		pk := keyAt(pr.row)
		for i, c := range pr.cols {
			ph := hdrAt(c)
			if pk == pr.key && ph == p.colHdr[c] {
				continue
			}
			damaged = true
			switch {
			case ph == "":
			case pk == "":
				u.clears = append(u.clears, posClear{row: pr.row, hdr: ph, val: pr.vals[i]})
			default:
				if _, want := u.want[pk]; want {
					if _, owned := u.owned[ph]; owned {
						continue // rewritten from the table anyway
					}
				}
				if v, ok := orig(pk, ph); ok {
					u.setRestore(pk, ph, v)
				}
			}
		}
	}
	if len(p.deleteRows) > 0 {
		// A sort between reading and deleting rows removes the wrong ones:
		// put back every record that should still be there.
		present := map[string]bool{}
		for r := 1; r < len(got[1]); r++ {
			present[keyAt(r)] = true
		}
		for _, k := range p.finalKeys[1:] {
			if k == "" || present[k] {
				continue
			}
			damaged = true
			r := sn.rowOf(p.keyCol, k, u.keyOf)
			if r < 0 {
				continue // a row we appended: the table re-adds it
			}
			u.restoreRow[k] = true
			for c := range sn.values[0] {
				h := sn.header(c)
				if h == "" {
					continue
				}
				if _, want := u.want[k]; want {
					if _, owned := u.owned[h]; owned {
						continue
					}
				}
				if v := sn.cell(r, c); v != nil && v != "" {
					u.setRestore(k, h, v)
				}
			}
		}
	}
	return damaged, nil
}

// setRestore records the value to put back; the first (undamaged) one wins.
func (u *upsert) setRestore(k, h string, v any) {
	if u.restore[k] == nil {
		u.restore[k] = map[string]any{}
	}
	if _, ok := u.restore[k][h]; !ok {
		u.restore[k][h] = v
	}
}

// isRecordID reports whether a key cell's text can be a Zoho record id
// (digits only, as Zoho's bigint ids are). A full reconcile removes only
// such rows: a row keyed "Total" or "see below" was typed by a human, not
// written by the sync, and is never deleted.
func isRecordID(k string) bool {
	if k == "" || len(k) > 20 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	return true
}
