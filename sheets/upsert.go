package sheets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	if u.byID {
		res.Tab = zsync.Tab{ID: u.sheetID, Title: u.title}
	}
	res.Created = u.created
	res.Requests = u.requests
	res.CellsWritten = u.cells
	if u.cells > 0 {
		s.c.stats.cells(u.cells)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "sheets: ") {
		// Every error names the tab (the job does not add it again): an
		// *Error's Op does, and so must a cancellation or a lost lease.
		err = fmt.Errorf("sheets: %s: %w", u.op, err)
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

	// sheetID is the tab's sheetId once known (byID): from the table,
	// then from the tab found or created, so that every round follows
	// the same tab even if a person renames it meanwhile.
	sheetID int64
	byID    bool
	created bool

	kbuf [2][]byte // sameKey's buffers

	hdr      []string       // normalized headers of t.Columns
	owned    map[string]int // normalized header → index in t.Columns
	order    []string       // keys of the table's rows, first appearance first
	want     map[string]int // key → index of its row in the table (values are made on demand by wantValue)
	deleted  map[string]bool
	onDelete zsync.OnDelete
	markHdr  string // normalized mark header ("" when not marking)
	reformat []int  // indexes in t.Columns of t.Reformat

	// repairs, gathered when a write landed on the wrong record
	restore    map[string]map[string]any // key → header → value to put back
	restoreRow map[string]bool           // keys whose row was lost: append when missing
	clears     []posClear
	undo       []rowUndo

	// numKey maps a key cell a human typed as a number too large to hold
	// the id exactly (Sheets turned 4150868000000224005 into 4.15086800000022e18)
	// to the one record it can only be. Rebuilt by each plan.
	numKey map[float64]string

	cur    int       // 1 + the index of curRow in the table (0: none)
	curRow zsync.Row // the packed row decoded last

	hasLinks bool // a link column has links to write (cells' Link or t.RecordURL)

	requests, cells int
}

// rowUndo is a row this upsert appended whose cells landed under other
// headers (a person dragged or inserted columns during the write): the
// next round deletes it if it still holds only what was written (cells:
// column → value), and appends the record again.
type rowUndo struct {
	row   int
	cells map[int]any
}

// posClear undoes a value written into a row without key (a human's
// inserted row), or taken over by a row appended for record key, if the
// cell still holds it and the row still has that key.
type posClear struct {
	row int
	hdr string
	val any
	key string
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
		owned: map[string]int{}, want: make(map[string]int, t.Len()), order: make([]string, 0, t.Len()), deleted: map[string]bool{},
		restore: map[string]map[string]any{}, restoreRow: map[string]bool{}, onDelete: t.OnDelete,
		sheetID: t.SheetID, byID: t.HasSheetID, hasLinks: t.RecordURL != nil}
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
	for _, h := range t.Reformat {
		if j, ok := u.owned[normHeader(h)]; ok {
			u.reformat = append(u.reformat, j)
		}
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
	for i := range t.Len() {
		r := u.tableRow(i)
		k := strings.TrimSpace(r.Key)
		if k == "" {
			s.c.log.Warn().Str("sheet", t.Sheet).Msg("sheets: record without id skipped")
			continue
		}
		for j, c := range r.Cells {
			if c.Link != "" && j < len(t.Columns) && t.Columns[j].Link {
				u.hasLinks = true
			}
			if j < len(t.Columns) && j != t.Key && c.Kind == zsync.KindText && len(c.S) > MaxCellChars {
				if _, ok := truncate(c.S); !ok {
					// Never log the text: it may be personal data.
					s.c.log.Warn().Str("sheet", t.Sheet).Str("key", k).Str("column", t.Columns[j].Header).
						Int("max_chars", MaxCellChars).Msg("sheets: text too long for a cell, truncated")
				}
			}
		}
		if _, seen := u.want[k]; !seen {
			u.order = append(u.order, k)
		}
		u.want[k] = i // the last row of a key wins
	}
	for _, k := range t.Deleted {
		if k = strings.TrimSpace(k); k != "" {
			u.deleted[k] = true
		}
	}
	return u, nil
}

// wantValue is the wire value of column j of the table's row i. Values
// are made when needed rather than held for every row: a tab of a million
// cells would hold a million boxed values.
func (u *upsert) wantValue(i, j int) any {
	r := u.tableRow(i)
	var c zsync.Cell
	if j == u.t.Key {
		c = zsync.Text(strings.TrimSpace(r.Key)) // the key cell is always the key's text
	} else if j < len(r.Cells) {
		c = r.Cells[j]
	}
	v, _ := wireValue(c, u.s.loc)
	return v
}

// tableRow returns row i of the table. Rows the job appended are packed
// (zsync.Table.Append): the last one decoded is kept for the calls that
// follow on the same row.
func (u *upsert) tableRow(i int) *zsync.Row {
	if i < len(u.t.Rows) {
		return &u.t.Rows[i]
	}
	if u.cur != i+1 {
		u.curRow = u.t.Row(i, u.curRow.Cells)
		u.cur = i + 1
	}
	return &u.curRow
}

// snapshot is the tab as read before planning.
type snapshot struct {
	tab   *sheets.SheetProperties     // nil: the tab does not exist
	total int64                       // grid cells of the whole spreadsheet
	ids   []int64                     // sheetIds of every tab (newTab picks one none has)
	g     *grid                       // the tab's values (nil: none)
	meta  []*sheets.DeveloperMetadata // the tab's sheet-level metadata (format.go's record)
}

// rows is the number of rows read, header included.
func (sn *snapshot) rows() int { return sn.g.rows() }

func (sn *snapshot) cell(r, c int) any {
	if sn.g == nil {
		return nil
	}
	return sn.g.at(r, c)
}

// same reports whether cell (r, c) already holds want (see sameValue).
func (sn *snapshot) same(r, c int, want any, k zsync.Kind) bool {
	if sn.g == nil {
		return sameValue(want, k, nil)
	}
	return sn.g.same(r, c, want, k)
}

func (sn *snapshot) isNumber(r, c int) bool { return sn.g != nil && sn.g.isNumber(r, c) }

// matched reports a thinned row whose owned cells held what the table
// wants when read (see thinFilter).
func (sn *snapshot) matched(r int) bool { return sn.g.matched(r) }

// gone reports a cell the read dropped (see thinFilter): unknown, not empty.
func (sn *snapshot) gone(r, c int) bool { return sn.g.gone(r, c) }

func (sn *snapshot) header(c int) string { return normHeader(keyText(sn.cell(0, c))) }

// headerWidth is the number of cells in the header row.
func (sn *snapshot) headerWidth() int {
	if sn.g == nil {
		return 0
	}
	return sn.g.rowWidth(0)
}

func (sn *snapshot) width() int {
	if sn.g == nil {
		return 0
	}
	return sn.g.width
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
	for c := range sn.headerWidth() {
		if sn.header(c) == h {
			return c
		}
	}
	return -1
}

// headerCol2 returns the second column whose header is h, or -1.
func (sn *snapshot) headerCol2(h string) int {
	if c := sn.headerCol(h); c >= 0 {
		for c++; c < sn.headerWidth(); c++ {
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
	for r := 1; r < sn.rows(); r++ {
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
	var maybeAdded int64 // sheetId of the tab an ambiguous batch may have added
	for round := 0; round < maxRounds; round++ {
		sn, err := u.read(ctx)
		if err != nil {
			return res, err
		}
		if maybeAdded != 0 && sn.tab != nil && sn.tab.SheetId == maybeAdded {
			// It did: the id is the one newTab chose, so the tab is ours.
			u.created = true
			u.s.c.log.Info().Str("sheet", u.title).Msg("sheets: created tab")
		}
		maybeAdded = 0
		var addTab *sheets.Request // the tab is made by the plan's first write
		if sn.tab == nil && !u.opts.DryRun {
			if sn, addTab, err = u.newTab(sn); err != nil {
				return res, err
			}
		}
		p, err := u.plan(sn)
		if err != nil {
			return res, err
		}
		if !counted {
			res = p.counts
		}
		if addTab != nil {
			p.structure, p.structOnce = append([]*sheets.Request{addTab}, p.structure...), true
		}
		if u.opts.DryRun || p.empty() {
			return res, nil
		}
		if addTab == nil {
			same, err := u.unchanged(ctx, sn, p)
			if gridChanged(err) {
				same, err = false, nil // renamed: the next read finds it by id
			}
			if err != nil {
				return res, err
			}
			if !same {
				u.s.c.log.Warn().Str("sheet", u.title).Msg("sheets: the tab changed while planning; planning again")
				continue
			}
		}
		counted = true
		err = u.write(ctx, p)
		if addTab != nil && (err == nil || p.structureSent) {
			u.created = true
			u.s.c.log.Info().Str("sheet", u.title).Msg("sheets: created tab")
		}
		if err != nil {
			if addTab != nil && !p.structureSent && tabTaken(err) {
				// A person made a tab with this title (or id) after the
				// read: the refused batch applied nothing; the next round
				// finds their tab by title and writes into it.
				u.s.c.log.Warn().Str("sheet", u.title).Err(err).Msg("sheets: the tab was made by someone else while planning; reading it again")
				last = err
				continue
			}
			if errors.Is(err, ErrAmbiguous) {
				if addTab != nil {
					maybeAdded = u.sheetID
				}
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
				if found, err := u.retitle(ctx); err != nil || !found {
					if err != nil {
						return res, err
					}
					continue // deleted: the next round creates it
				}
				if _, err := u.verify(ctx, sn, p); err != nil {
					return res, err
				}
				continue
			}
			return res, err
		}
		damaged, err := u.verify(ctx, sn, p)
		if gridChanged(err) {
			// Renamed right after the write: verify under the new title.
			var found bool
			if found, err = u.retitle(ctx); err == nil && found {
				damaged, err = u.verify(ctx, sn, p)
			} else if err == nil {
				damaged = true // deleted: the next round creates it
			}
		}
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

// tabTaken reports an AddSheet Google refused because a tab with its
// title or sheetId already exists.
func tabTaken(err error) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == http.StatusBadRequest &&
		strings.Contains(ge.Message, "addSheet") && strings.Contains(ge.Message, "already exists")
}
