package sheets

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// plannedRow is the cells written into one row.
type plannedRow struct {
	row int // row index after the structural batch
	key string
	// src, when not 0, is 1 + the index in the table of the row whose
	// non-empty values are written (a new row): they are made when written
	// (see upsert.each), not held here. cols/vals are further cells.
	src  int
	cols []int
	vals []any
	// needFmt are columns of an existing row whose cell held no number
	// (empty or text), so it has no date format of its own yet.
	needFmt []int
}

// plan is what one round writes.
type plan struct {
	counts        zsync.UpsertResult
	keyCol        int
	deleteRows    []int // rows removed (indexes before removal, ascending)
	structure     []*sheets.Request
	structOnce    bool // structure has non-idempotent requests
	structureSent bool // write sent structure (a tab it adds exists)
	headers       map[int]string
	rows          []plannedRow
	colHdr        map[int]string     // column → normalized header expected there
	keyOf         func(r int) string // key of row r of the tab as read, for eachFinal
	readRows      int                // rows of the tab as read
	colOf         []int              // column of each of t.Columns
	nUpdates      int                // rows[:nUpdates] are existing rows, the rest new ones
	decor         []*sheets.Request  // formats, header style, widths (format.go)
	wholeFmt      map[int]bool       // columns decor formats whole
	links         []*sheets.Request  // cell links, sent after the values
}

// eachFinal calls f with each row from `from` on as the tab will be after
// the write, and its key, in row order: the rows kept (moved up past the
// removed ones), then the new ones. The keys are made as they are walked,
// not held: a list of them would cost megabytes on a 100,000-row tab.
func (p *plan) eachFinal(from int, f func(r int, k string)) {
	from = max(from, 1)
	if len(p.deleteRows) > 0 || from < p.readRows {
		fr, del := 1, p.deleteRows
		for r := 1; r < p.readRows; r++ {
			if len(del) > 0 && del[0] == r {
				del = del[1:]
				continue
			}
			if fr >= from {
				f(fr, p.keyOf(r))
			}
			fr++
		}
	}
	for _, a := range p.rows[p.nUpdates:] {
		if a.row >= from {
			f(a.row, a.key)
		}
	}
}

func (p *plan) empty() bool {
	return len(p.structure) == 0 && len(p.headers) == 0 && len(p.rows) == 0 && len(p.links) == 0
}

// plan compares the snapshot with the table and returns the writes.
func (u *upsert) plan(sn *snapshot) (*plan, error) {
	if u.t.Snapshot != nil {
		return u.snapshotPlan(sn)
	}
	p := &plan{headers: map[int]string{}, colHdr: map[int]string{}}
	p.counts.Diff = u.newDiff()
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
			hint := fmt.Sprintf("rename one of the two columns headed %q (the one the sync does not fill), or delete it", hd)
			var gone []string // mapped headers no column has: one may be the renamed one
			for i, h := range u.hdr {
				if sn.headerCol(h) < 0 {
					gone = append(gone, u.t.Columns[i].Header)
				}
			}
			if len(gone) == 1 {
				hint = fmt.Sprintf("rename one of the two columns headed %q back to %q if it was the sync's %q column; otherwise rename the one the sync does not fill, or delete it", hd, gone[0], gone[0])
			}
			return nil, errorf(u.op, hint,
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
	if _, missing := p.headers[keyCol]; missing && sn.rows() > 1 {
		// Without its key column every record would be appended again.
		return nil, u.noKeyColumn(sn)
	}

	if !u.t.Full && sn.g != nil {
		// Added back now, a column a person renamed or deleted (or the
		// whole tab, emptied) would be filled only for the records this
		// run read.
		var missing []string
		for j := range u.hdr {
			if _, added := p.headers[colOf[j]]; added && j != u.t.Key {
				missing = append(missing, u.t.Columns[j].Header)
			}
		}
		switch {
		case sn.rows() > 1 && len(missing) > 0:
			return nil, &zsync.ColumnsMissingError{Headers: missing}
		case sn.rows() <= 1 && len(p.headers) == len(u.hdr):
			return nil, &zsync.ColumnsMissingError{Emptied: true}
		}
	}
	nrows := sn.rows()
	if nrows >= maxKeyRows {
		return nil, errorf(u.op, "split the tab: Google Sheets holds at most 10,000,000 cells",
			"the tab has %d rows", nrows)
	}
	u.resolveNumKeys(sn, keyCol)
	// keyView is the key of row r, as a view of one reused buffer: valid
	// until the next call, cloned where kept. Walking the key column
	// allocates nothing per row.
	var kb []byte
	keyView := func(r int) string {
		kb = u.appendGridKey(kb[:0], sn.g, r, keyCol)
		if len(kb) == 0 {
			return ""
		}
		return unsafe.String(&kb[0], len(kb))
	}
	rowOf := newKeyRows(nrows, func(b []byte, r int) []byte { return u.appendGridKey(b, sn.g, r, keyCol) }) // key → its first row
	more := map[string][]int{}                                                                              // key → its other rows (duplicates)
	lossy := map[string]bool{}                                                                              // keys typed as numbers that lost digits and match no record
	for r := 1; r < nrows; r++ {
		if k := keyView(r); k != "" {
			if sn.isNumber(r, keyCol) {
				if f := sn.cell(r, keyCol).(float64); math.Abs(f) >= 1<<53 && keyText(f) == k {
					lossy[strings.Clone(k)] = true
				}
			}
			if !rowOf.add(k, r) {
				k = strings.Clone(k)
				more[k] = append(more[k], r)
			}
		}
	}
	first := func(k string) int { r, _ := rowOf.get(k); return r }
	// tabKeys calls f with each key of the tab once, in row order; f
	// clones k to keep it.
	tabKeys := func(f func(k string)) {
		for r := 1; r < nrows; r++ {
			if k := keyView(r); k != "" && first(k) == r {
				f(k)
			}
		}
	}

	// A key cell holding a number that is no record of the table was
	// typed by a person ("2025" above their targets, "7" numbering a row):
	// the sync writes ids as text, and a Zoho id (19 digits) is no number
	// Sheets holds exactly (those that lost digits are lossy, above).
	typed := func(k string) bool { return sn.isNumber(first(k), keyCol) && !lossy[k] }

	// Rows to remove: duplicates, then deleted records.
	del := map[int]bool{}
	dups := 0
	tabKeys(func(k string) {
		if _, want := u.want[k]; !want && (!isRecordID(k) || typed(k)) {
			return // a human's row ("Total", a note): not ours to dedupe
		}
		for _, r := range more[k] {
			del[r] = true
			dups++
		}
	})
	if dups > 0 {
		u.s.c.log.Warn().Str("sheet", u.title).Int("rows", dups).Msg("sheets: duplicate keys in the tab; removing the lower duplicates")
		p.counts.Removed += dups
	}
	var gone []string
	tabKeys(func(k string) {
		if _, want := u.want[k]; want {
			return
		}
		if lossy[k] && !u.deleted[k] {
			// A human typed an id that Sheets rounded: it may be a record
			// still in Zoho, so the row (and the human's notes) stays.
			u.s.c.log.Warn().Str("sheet", u.title).Str("key", k).Msg("sheets: a key cell holds a number that lost digits; leaving its row alone (type the id as text, e.g. with a leading ')")
			return
		}
		if u.deleted[k] || (u.t.Full && !u.restoreRow[k] && isRecordID(k) && !typed(k)) {
			gone = append(gone, strings.Clone(k))
		}
	})
	var marks []int // rows to mark
	for _, k := range gone {
		r, _ := rowOf.get(k)
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
	for _, x := range u.undo {
		if x.row < nrows && !del[x.row] && u.onlyWritten(sn, x) {
			del[x.row] = true
		}
	}
	u.undo = nil
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
	// New rows go straight into p.rows after the updates (sized once: a
	// full run into an empty tab plans a row per record).
	nNew := 0
	for _, k := range u.order {
		if _, found := rowOf.get(k); !found {
			nNew++
		}
	}
	var updates []plannedRow
	adds := make([]plannedRow, 0, nNew)
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
		i := u.want[k]
		r, found := rowOf.get(k)
		if !found {
			pr := plannedRow{row: appendAt + len(adds), key: k, src: i + 1}
			if len(u.restore[k]) > 0 {
				pr.src = 0
				for j := range u.t.Columns {
					if v := u.wantValue(i, j); !isEmptyWire(v) {
						pr.cols = append(pr.cols, colOf[j])
						pr.vals = append(pr.vals, v)
					}
				}
				pr.addRestore(u.restore[k], colFor, nil, 0)
			}
			adds = append(adds, pr)
			p.counts.Added++
			continue
		}
		pr := plannedRow{row: final(r), key: k}
		if !sn.matched(r) { // else thinned: its cells were compared as they were read
			u.diffCells(p, sn, &pr, r, i, colOf)
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
		updates = append(updates, plannedRow{row: final(r), key: u.rowKey(sn, r, keyCol), cols: []int{markCol}, vals: []any{u.t.MarkText}})
		u.noteChange(p.counts.Diff, u.rowKey(sn, r, keyCol), u.t.MarkColumn, zsync.KindText, sn.cell(r, markCol), u.t.MarkText)
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
		if r, found := rowOf.get(k); found {
			if del[r] {
				continue
			}
			pr := plannedRow{row: final(r), key: k}
			pr.addRestore(u.restore[k], colFor, sn, r)
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
		if c.row < nrows && !del[c.row] && col >= 0 && u.rowKey(sn, c.row, keyCol) == c.key && sn.same(c.row, col, c.val, zsync.KindNumber) {
			updates = append(updates, plannedRow{row: final(c.row), key: c.key, cols: []int{col}, vals: []any{""}})
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
	if len(updates) == 0 {
		p.rows = adds
	} else {
		p.rows = append(updates, adds...)
	}
	p.colOf, p.nUpdates = colOf, len(updates)

	// Keys after the write, for verifying a write that removes rows and
	// for the cell links of link columns (format.go), walked by eachFinal.
	p.keyOf = func(r int) string { return u.rowKey(sn, r, keyCol) }
	p.readRows = nrows
	if p.counts.Diff != nil {
		removed := make([]string, len(p.deleteRows))
		for i, r := range p.deleteRows {
			removed[i] = u.rowKey(sn, r, keyCol)
		}
		u.noteRows(p.counts.Diff, adds[:p.counts.Added], removed)
	}

	u.decorate(sn, p, colOf, appendAt, appendAt+len(adds))
	if len(p.rows) == 0 && len(p.headers) == 0 && len(p.deleteRows) == 0 && len(u.reformat) == 0 && len(p.decor) == 0 && len(p.links) == 0 {
		return p, nil
	}
	if err := u.structure(sn, p, appendAt, appendAt+len(adds), next, colOf); err != nil {
		return nil, err
	}
	return p, nil
}

// noKeyColumn is the error for a tab with rows but no key header in its
// first row, with what a person most likely did and how to undo it: rows
// inserted above the header, or the key header renamed.
func (u *upsert) noKeyColumn(sn *snapshot) error {
	kh := u.t.Columns[u.t.Key].Header
	msg := fmt.Sprintf("the tab has rows but no key column %q in row 1", kh)
	for r := 1; r < min(sn.rows(), 11); r++ {
		for c := range sn.g.rowWidth(r) {
			if normHeader(keyText(sn.cell(r, c))) == u.hdr[u.t.Key] {
				return errorf(u.op, fmt.Sprintf("delete the %d row(s) above the header (the sync keeps its header in row 1; a title fits in a note or another tab)", r),
					"%s: the header is in row %d", msg, r+1)
			}
		}
	}
	// A column of record ids under another header: the key header renamed.
	for c := range sn.headerWidth() {
		ids, other := 0, 0
		for r := 1; r < min(sn.rows(), 101); r++ {
			switch k := keyText(sn.cell(r, c)); {
			case isRecordID(k) && len(k) >= 15:
				ids++
			case k != "":
				other++
			}
		}
		if ids > 0 && ids >= 4*other {
			return errorf(u.op, fmt.Sprintf("rename the header of column %s back to %q", colName(c), kh),
				"%s: column %s, headed %q, holds the record ids", msg, colName(c), keyText(sn.cell(0, c)))
		}
	}
	return errorf(u.op, fmt.Sprintf("head the column of record ids %q in row 1, the key column's header in mapping.yaml "+
		"(if you renamed it there, rename it in the tab too), or clear the tab", kh), "%s", msg)
}

// onlyWritten reports whether row x.row of sn holds nothing but the cells
// x says were written there: no one typed into it since.
func (u *upsert) onlyWritten(sn *snapshot, x rowUndo) bool {
	if sn.matched(x.row) {
		return false
	}
	for c := range max(sn.g.rowWidth(x.row), sn.width()) {
		if sn.gone(x.row, c) {
			return false // thinned: not known
		}
		v := sn.cell(x.row, c)
		w, wrote := x.cells[c]
		if isEmptyWire(v) {
			continue
		}
		if !wrote || !sameValue(w, zsync.KindNumber, v) {
			return false
		}
	}
	return true
}

// isEmptyWire reports a wire value that writes nothing into a new row.
func isEmptyWire(v any) bool {
	s, ok := v.(string)
	return v == nil || ok && s == ""
}

// each calls fn for every cell written into pr: the non-empty values of
// its table row, then pr.cols.
func (u *upsert) each(p *plan, pr *plannedRow, fn func(c int, v any)) {
	if pr.src > 0 {
		for j := range u.t.Columns {
			if v := u.wantValue(pr.src-1, j); !isEmptyWire(v) {
				fn(p.colOf[j], v)
			}
		}
	}
	for i, c := range pr.cols {
		fn(c, pr.vals[i])
	}
}

// rowKey is keyOf the key cell of row r, without copying a text key.
func (u *upsert) rowKey(sn *snapshot, r, keyCol int) string { return u.gridKey(sn.g, r, keyCol) }

func (u *upsert) gridKey(g *grid, r, keyCol int) string {
	if s, ok := g.text(r, keyCol); ok {
		return strings.TrimSpace(s)
	}
	return u.keyOf(g.at(r, keyCol))
}

// appendGridKey appends gridKey(g, r, keyCol) to b: appendKey, but a number
// is the record it resolves to (keyOf).
func (u *upsert) appendGridKey(b []byte, g *grid, r, keyCol int) []byte {
	if g.isNumber(r, keyCol) {
		return append(b, u.keyOf(g.at(r, keyCol))...)
	}
	return appendKey(b, g, r, keyCol)
}

// sameKey reports gridKey(a, ra, ca) == gridKey(b, rb, cb) without making
// either key.
func (u *upsert) sameKey(a *grid, ra, ca int, b *grid, rb, cb int) bool {
	u.kbuf[0] = u.appendGridKey(u.kbuf[0][:0], a, ra, ca)
	u.kbuf[1] = u.appendGridKey(u.kbuf[1][:0], b, rb, cb)
	return string(u.kbuf[0]) == string(u.kbuf[1])
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
	for r := 1; r < sn.rows(); r++ {
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
	for r := 1; r < sn.rows(); r++ {
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
		if sn != nil && sn.same(r, c, v, zsync.KindNumber) {
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

// diffCells adds to pr the cells of tab row r that differ from what the
// table's record i wants there (colOf: the tab column of each table
// column), noting each change for a dry run's diff.
func (u *upsert) diffCells(p *plan, sn *snapshot, pr *plannedRow, r, i int, colOf []int) {
	for j, col := range u.t.Columns {
		if v := u.wantValue(i, j); !sn.same(r, colOf[j], v, col.Kind) {
			u.noteChange(p.counts.Diff, pr.key, col.Header, col.Kind, sn.cell(r, colOf[j]), v)
			pr.cols = append(pr.cols, colOf[j])
			pr.vals = append(pr.vals, v)
			if !sn.isNumber(r, colOf[j]) {
				pr.needFmt = append(pr.needFmt, colOf[j])
			}
		}
	}
}
