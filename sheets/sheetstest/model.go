package sheetstest

import (
	"slices"
	"strings"
)

type kind uint8

const (
	kEmpty kind = iota
	kString
	kNumber
	kBool
	kFormula // s holds the formula text, starting with "="
)

// numFmt is a cell's userEnteredFormat.numberFormat. Cells share pointers.
type numFmt struct{ typ, pattern string }

// cell is one grid cell: kept small because a tab may hold millions.
type cell struct {
	k kind
	s string  // string value or formula text
	n float64 // number; bools are 1/0
	f *numFmt
	x *cellExt // note, bold, link, runs (nil for most cells)
}

func (c cell) empty() bool { return c.k == kEmpty }

// row is copy-on-write: a row whose gen differs from its sheet's gen is
// shared with the committed state and is copied before it is changed.
type row struct {
	gen uint64
	c   []cell
}

type sheet struct {
	id         int64
	title      string
	rows, cols int // grid size
	frozenRows int
	frozenCols int
	hidden     bool
	widths     []int // column pixel sizes set by updateDimensionProperties (0 = default)
	gen        uint64
	data       []*row // len(data) <= rows; nil rows are empty
	filter     any    // setBasicFilter's filter, stored as sent
	protected  []any  // addProtectedRange's protectedRange, as answered
	extra      map[string]any
}

func (sh *sheet) get(r, c int) cell {
	if r < len(sh.data) {
		if rw := sh.data[r]; rw != nil && c < len(rw.c) {
			return rw.c[c]
		}
	}
	return cell{}
}

// wrow returns row r ready to be changed, with at least n cells.
func (sh *sheet) wrow(r, n int) *row {
	if r >= len(sh.data) {
		sh.data = append(sh.data, make([]*row, r+1-len(sh.data))...)
	}
	rw := sh.data[r]
	switch {
	case rw == nil:
		rw = &row{gen: sh.gen, c: make([]cell, n)}
		sh.data[r] = rw
	case rw.gen != sh.gen:
		c := make([]cell, max(n, len(rw.c)))
		copy(c, rw.c)
		rw = &row{gen: sh.gen, c: c}
		sh.data[r] = rw
	}
	if len(rw.c) < n {
		rw.c = append(rw.c, make([]cell, n-len(rw.c))...)
	}
	return rw
}

func (sh *sheet) set(r, c int, v cell) { sh.wrow(r, c+1).c[c] = v }

// usedRows is 1 + the last row holding a value (formats alone don't count).
func (sh *sheet) usedRows() int {
	for r := len(sh.data) - 1; r >= 0; r-- {
		if rw := sh.data[r]; rw != nil {
			for _, c := range rw.c {
				if !c.empty() {
					return r + 1
				}
			}
		}
	}
	return 0
}

// insertRows inserts n empty rows at r; inheriting number formats from the
// row at from (-1 = none), as insertDimension's inheritFromBefore does.
func (sh *sheet) insertRows(at, n, from int) {
	sh.rows += n
	if at < len(sh.data) {
		sh.data = slices.Insert(sh.data, at, make([]*row, n)...)
	}
	if from >= 0 {
		if from >= at {
			from += n
		}
		if from < len(sh.data) && sh.data[from] != nil {
			src := sh.data[from].c
			for i := at; i < at+n; i++ {
				for c := range src {
					if src[c].f != nil {
						sh.set(i, c, cell{f: src[c].f})
					}
				}
			}
		}
	}
}

func (sh *sheet) deleteRows(at, n int) {
	sh.rows -= n
	if at < len(sh.data) {
		sh.data = slices.Delete(sh.data, at, min(at+n, len(sh.data)))
	}
	if sh.frozenRows > at {
		sh.frozenRows -= min(n, sh.frozenRows-at)
	}
}

func (sh *sheet) insertCols(at, n, from int) {
	sh.cols += n
	if at < len(sh.widths) {
		w := 0
		if from >= 0 && from < len(sh.widths) {
			w = sh.widths[from]
		}
		sh.widths = slices.Insert(slices.Clone(sh.widths), at, slices.Repeat([]int{w}, n)...)
	}
	for r := range sh.data {
		rw := sh.data[r]
		if rw == nil || len(rw.c) <= at && from < 0 {
			continue
		}
		var f *numFmt
		if from >= 0 && from < len(rw.c) {
			f = rw.c[from].f
		}
		if len(rw.c) <= at && f == nil {
			continue
		}
		w := sh.wrow(r, at)
		ins := make([]cell, n)
		for i := range ins {
			ins[i].f = f
		}
		w.c = slices.Insert(w.c, at, ins...)
	}
}

func (sh *sheet) deleteCols(at, n int) {
	sh.cols -= n
	if at < len(sh.widths) {
		sh.widths = slices.Delete(slices.Clone(sh.widths), at, min(at+n, len(sh.widths)))
	}
	for r, rw := range sh.data {
		if rw == nil || len(rw.c) <= at {
			continue
		}
		w := sh.wrow(r, 0)
		w.c = slices.Delete(w.c, at, min(at+n, len(w.c)))
	}
	if sh.frozenCols > at {
		sh.frozenCols -= min(n, sh.frozenCols-at)
	}
}

// moveRows moves rows [s,e) to before row dest, dest counted before the
// move (Google's moveDimension semantics).
func (sh *sheet) moveRows(s, e, dest int) {
	if dest >= s && dest <= e {
		return
	}
	for len(sh.data) < sh.rows {
		sh.data = append(sh.data, nil)
	}
	sh.data = moveBlock(sh.data, s, e, dest)
}

func (sh *sheet) moveCols(s, e, dest int) {
	if dest >= s && dest <= e {
		return
	}
	if len(sh.widths) > min(s, dest) {
		w := slices.Clone(sh.widths)
		for len(w) < sh.cols {
			w = append(w, 0)
		}
		sh.widths = moveBlock(w, s, e, dest)
	}
	for r, rw := range sh.data {
		if rw == nil || len(rw.c) <= min(s, dest) {
			continue
		}
		w := sh.wrow(r, sh.cols)
		w.c = moveBlock(w.c, s, e, dest)
		sh.data[r] = w
	}
}

func moveBlock[T any](x []T, s, e, dest int) []T {
	block := slices.Clone(x[s:e])
	x = slices.Delete(x, s, e)
	if dest > e {
		dest -= e - s
	}
	return slices.Insert(x, dest, block...)
}

// clone returns a copy of the sheet that can be changed without touching
// the original: rows are shared until written.
func (sh *sheet) clone(gen uint64) *sheet {
	c := *sh
	c.gen = gen
	c.data = slices.Clone(sh.data)
	c.protected = slices.Clone(sh.protected)
	c.widths = slices.Clone(sh.widths)
	return &c
}

// devMeta is one developer metadata entry.
type devMeta struct {
	id         int64
	key, value string
	visibility string
	locType    string // SPREADSHEET, SHEET, ROW, COLUMN
	sheetID    int64
	start, end int // ROW/COLUMN
}

type spreadsheet struct {
	id, title, timeZone, locale string
	sheets                      []*sheet
	meta                        []*devMeta
	shared                      map[string]bool // lower-cased emails
	viewOnly                    map[string]bool // shared as Viewer: reads only
	// formulas is set once any formula was stored: until then no edit of
	// the grid needs to look for references to move (refs.go).
	formulas bool
}

func (ss *spreadsheet) sheetByTitle(t string) *sheet {
	for _, sh := range ss.sheets {
		if strings.EqualFold(sh.title, t) {
			return sh
		}
	}
	return nil
}

func (ss *spreadsheet) sheetByID(id int64) *sheet {
	for _, sh := range ss.sheets {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

func (ss *spreadsheet) firstVisible() *sheet {
	for _, sh := range ss.sheets {
		if !sh.hidden {
			return sh
		}
	}
	return ss.sheets[0]
}

func (ss *spreadsheet) index(sh *sheet) int {
	for i, x := range ss.sheets {
		if x.id == sh.id {
			return i
		}
	}
	return -1
}

func (ss *spreadsheet) totalCells() int {
	n := 0
	for _, sh := range ss.sheets {
		n += sh.rows * sh.cols
	}
	return n
}

// tx is a batch of changes to one spreadsheet applied all or nothing: the
// working copy shares unchanged sheets and rows with the committed one.
type tx struct {
	s     *Server
	ss    *spreadsheet
	owned map[int64]bool
	cells int    // cells written, for Stats
	by    string // the API caller's email ("" for a person in the UI), for protected ranges
}

func (s *Server) begin(ss *spreadsheet) *tx {
	c := *ss
	c.sheets = slices.Clone(ss.sheets)
	c.meta = make([]*devMeta, len(ss.meta))
	for i, m := range ss.meta {
		mm := *m
		c.meta[i] = &mm
	}
	return &tx{s: s, ss: &c, owned: map[int64]bool{}}
}

// w returns the working copy of sh that may be changed.
func (t *tx) w(sh *sheet) *sheet {
	i := t.ss.index(sh)
	if t.owned[sh.id] {
		return t.ss.sheets[i]
	}
	t.s.gen++
	c := t.ss.sheets[i].clone(t.s.gen)
	t.ss.sheets[i] = c
	t.owned[sh.id] = true
	return c
}

func (t *tx) commit() {
	t.s.books[t.ss.id] = t.ss
	t.s.stats.CellsWritten += t.cells
}

// shiftMeta keeps ROW/COLUMN metadata on its row or column when
// dimensions are inserted (n > 0) or deleted (n < 0) at index at;
// metadata on deleted rows or columns is deleted, as Google does.
func (ss *spreadsheet) shiftMeta(sheetID int64, loc string, at, n int) {
	out := ss.meta[:0]
	for _, m := range ss.meta {
		if m.sheetID != sheetID || m.locType != loc {
			out = append(out, m)
			continue
		}
		if n > 0 {
			if m.start >= at {
				m.start += n
				m.end += n
			} else if m.end > at {
				m.end += n
			}
			out = append(out, m)
			continue
		}
		d := -n
		ds, de := at, at+d
		if m.start >= ds && m.end <= de {
			continue // all of it deleted
		}
		ov := max(0, min(m.end, de)-max(m.start, ds))
		if m.start >= de {
			m.start -= d
			m.end -= d
		} else {
			if m.start > ds {
				m.start = ds
			}
			m.end = m.start + (m.end - m.start - ov)
			if m.end <= m.start {
				continue
			}
		}
		out = append(out, m)
	}
	ss.meta = out
}

// moveMeta keeps ROW/COLUMN metadata with moved rows/columns.
func (ss *spreadsheet) moveMeta(sheetID int64, loc string, s, e, dest int) {
	if dest >= s && dest <= e {
		return
	}
	n := e - s
	idx := func(i int) int { // new index of old index i
		switch {
		case i >= s && i < e:
			if dest > e {
				return dest - n + (i - s)
			}
			return dest + (i - s)
		case dest > e && i >= e && i < dest:
			return i - n
		case dest < s && i >= dest && i < s:
			return i + n
		}
		return i
	}
	for _, m := range ss.meta {
		if m.sheetID == sheetID && m.locType == loc && m.end-m.start == 1 {
			m.start = idx(m.start)
			m.end = m.start + 1
		}
	}
}

func (ss *spreadsheet) dropSheetMeta(sheetID int64) {
	ss.meta = slices.DeleteFunc(ss.meta, func(m *devMeta) bool {
		return m.locType != "SPREADSHEET" && m.sheetID == sheetID
	})
}
