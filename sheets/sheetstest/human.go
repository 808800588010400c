package sheetstest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
	"google.golang.org/api/sheets/v4"
)

// The methods in this file inspect the spreadsheets or change them as a
// person in the Sheets UI would. They bypass auth, quotas and Stats, and
// panic on an unknown spreadsheet or sheet title (a test's mistake).

func (s *Server) mustSheet(id, title string) (*spreadsheet, *sheet) {
	ss := s.mustBook(id)
	sh := ss.sheetByTitle(title)
	if sh == nil {
		panic(fmt.Sprintf("sheetstest: spreadsheet %q has no sheet %q", id, title))
	}
	return ss, sh
}

// human applies f to a working copy of sheet title and commits it.
func (s *Server) human(id, title string, f func(t *tx, sh *sheet)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, sh := s.mustSheet(id, title)
	t := s.begin(ss)
	f(t, t.w(sh))
	t.commit()
}

// Values returns the effective values of a sheet (string, float64, bool;
// "" for an empty cell inside the data), with trailing empty rows and
// columns trimmed: what values.get with UNFORMATTED_VALUE returns.
func (s *Server) Values(id, tab string) [][]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sh := s.mustSheet(id, tab)
	o := renderOpts{mode: "UNFORMATTED_VALUE"}
	n := sh.usedRows()
	out := make([][]any, n)
	for r := 0; r < n; r++ {
		rw := sh.data[r]
		if rw == nil {
			out[r] = []any{}
			continue
		}
		end := len(rw.c)
		for end > 0 && rw.c[end-1].empty() {
			end--
		}
		row := make([]any, end)
		for j := 0; j < end; j++ {
			row[j] = cellValue(rw.c[j], o)
		}
		out[r] = row
	}
	return out
}

// CellData describes one cell, for tests that check more than its value.
type CellData struct {
	// Value is the effective value: string, float64, bool, or nil if empty.
	Value any
	// Formula is the formula text ("=SUM(A1:A2)") if the cell holds one.
	Formula string
	// Formatted is the FORMATTED_VALUE rendering ("2024-01-15" for a date).
	Formatted string
	// NumberFormat is userEnteredFormat.numberFormat (zero if none).
	NumberFormat NumberFormat
	// Note is the cell's note ("" if none).
	Note string
	// Bold is userEnteredFormat.textFormat.bold.
	Bold bool
	// Link is the cell-level link (userEnteredFormat.textFormat.link.uri);
	// Hyperlink is what the API reports as CellData.hyperlink.
	Link, Hyperlink string
	// RunLinks are the links of the cell's textFormatRuns.
	RunLinks []string
}

// NumberFormat is a cell's number format: Type DATE, DATE_TIME, NUMBER...
type NumberFormat struct{ Type, Pattern string }

// IsDate reports whether the cell is a real date: a number with a DATE,
// TIME or DATE_TIME format.
func (c CellData) IsDate() bool {
	_, num := c.Value.(float64)
	return num && c.Formula == "" && (c.NumberFormat.Type == "DATE" || c.NumberFormat.Type == "DATE_TIME" || c.NumberFormat.Type == "TIME")
}

// Cell returns the cell at 0-based row and col of sheet.
func (s *Server) Cell(id, tab string, row, col int) CellData {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sh := s.mustSheet(id, tab)
	c := sh.get(row, col)
	var d CellData
	if c.f != nil {
		d.NumberFormat = NumberFormat{c.f.typ, c.f.pattern}
	}
	d.Hyperlink = c.hyperlink()
	if c.x != nil {
		d.Note, d.Bold, d.Link = c.x.note, c.x.bold, c.x.link
		for _, r := range c.x.runs {
			if r.link != "" {
				d.RunLinks = append(d.RunLinks, r.link)
			}
		}
	}
	if c.empty() {
		return d
	}
	if c.k == kFormula {
		d.Formula = c.s
	}
	d.Value = cellValue(c, renderOpts{mode: "UNFORMATTED_VALUE"})
	d.Formatted, _ = cellValue(c, renderOpts{mode: "FORMATTED_VALUE"}).(string)
	return d
}

// SheetInfo is a sheet's properties.
type SheetInfo struct {
	ID                   int64
	Title                string
	Rows, Columns        int
	FrozenRows           int
	FrozenColumns        int
	Hidden               bool
	ProtectedRanges      int
	HasBasicFilter       bool
	RowMetadata          int // developer metadata on rows of this sheet
	NumberFormatsColumns map[int]NumberFormat
}

// Sheets lists the sheets of spreadsheet id in order.
func (s *Server) Sheets(id string) []SheetInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.mustBook(id)
	var out []SheetInfo
	for _, sh := range ss.sheets {
		in := SheetInfo{ID: sh.id, Title: sh.title, Rows: sh.rows, Columns: sh.cols, FrozenRows: sh.frozenRows,
			FrozenColumns: sh.frozenCols, Hidden: sh.hidden, ProtectedRanges: len(sh.protected), HasBasicFilter: sh.filter != nil}
		for _, m := range ss.meta {
			if m.sheetID == sh.id && m.locType == "ROW" {
				in.RowMetadata++
			}
		}
		out = append(out, in)
	}
	return out
}

// Metadata is one developer metadata entry as seen by Metadata.
type Metadata struct {
	ID           int64
	Key, Value   string
	Visibility   string
	LocationType string // SPREADSHEET, SHEET, ROW, COLUMN
	SheetID      int64
	Index        int // row or column index for ROW/COLUMN
}

// Metadata lists spreadsheet id's developer metadata.
func (s *Server) Metadata(id string) []Metadata {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Metadata
	for _, m := range s.mustBook(id).meta {
		out = append(out, Metadata{m.id, m.key, m.value, m.visibility, m.locType, m.sheetID, m.start})
	}
	return out
}

// DeleteMetadata deletes the developer metadata entry metadataID of
// spreadsheet id, as another program using the API would.
func (s *Server) DeleteMetadata(id string, metadataID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.mustBook(id)
	ss.meta = slices.DeleteFunc(ss.meta, func(m *devMeta) bool { return m.id == metadataID })
}

// SortRows sorts the rows below the frozen header by column col, as a
// user's "Sort sheet" does. Developer metadata stays on its row index:
// whether Google moves row metadata on a sort is unconfirmed, and staying
// put is the case a client must survive.
func (s *Server) SortRows(id, tab string, col int, ascending bool) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		n := sh.usedRows()
		if n <= sh.frozenRows {
			return
		}
		width := 0
		for _, rw := range sh.data[:n] {
			if rw != nil {
				width = max(width, len(rw.c))
			}
		}
		width = max(width, col+1)
		sortBox(sh, box{sh.frozenRows, 0, n, width}, []sortKey{{col, !ascending}})
	})
}

// InsertRows inserts n empty rows before 0-based row at (growing the grid);
// metadata on rows below moves down with them.
func (s *Server) InsertRows(id, tab string, at, n int) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if at < 0 || at > sh.rows || n <= 0 {
			panic(fmt.Sprintf("sheetstest: InsertRows(%d, %d) on a sheet of %d rows", at, n, sh.rows))
		}
		sh.insertRows(at, n, -1)
		t.ss.shiftMeta(sh.id, "ROW", at, n)
		t.rebase(refEdit{sh.title, true, shiftMap(at, n)})
	})
}

// DeleteRows deletes n rows from 0-based row at, with their metadata.
func (s *Server) DeleteRows(id, tab string, at, n int) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if at < 0 || at+n > sh.rows || n <= 0 || n >= sh.rows {
			panic(fmt.Sprintf("sheetstest: DeleteRows(%d, %d) on a sheet of %d rows", at, n, sh.rows))
		}
		sh.deleteRows(at, n)
		t.ss.shiftMeta(sh.id, "ROW", at, -n)
		t.rebase(refEdit{sh.title, true, shiftMap(at, -n)})
	})
}

// DeleteColumns deletes n columns from 0-based column at, with their
// metadata, as a person choosing "Delete columns" would.
func (s *Server) DeleteColumns(id, tab string, at, n int) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if at < 0 || at+n > sh.cols || n <= 0 || n >= sh.cols {
			panic(fmt.Sprintf("sheetstest: DeleteColumns(%d, %d) on a sheet of %d columns", at, n, sh.cols))
		}
		sh.deleteCols(at, n)
		t.ss.shiftMeta(sh.id, "COLUMN", at, -n)
		t.rebase(refEdit{sh.title, false, shiftMap(at, -n)})
	})
}

// InsertColumn inserts an empty column before 0-based column at and types
// header into its first row ("" = none).
func (s *Server) InsertColumn(id, tab string, at int, header string) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if at < 0 || at > sh.cols || sh.cols >= maxColumns {
			panic(fmt.Sprintf("sheetstest: InsertColumn(%d) on a sheet of %d columns", at, sh.cols))
		}
		sh.insertCols(at, 1, -1)
		t.ss.shiftMeta(sh.id, "COLUMN", at, 1)
		t.rebase(refEdit{sh.title, false, shiftMap(at, 1)})
		if header != "" {
			c := parseUserEntered(header)
			t.ss.formulas = t.ss.formulas || c.k == kFormula
			sh.set(0, at, c)
		}
	})
}

// MoveColumn drags column from to position to (both 0-based; to is the
// column's index after the move).
func (s *Server) MoveColumn(id, tab string, from, to int) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if from < 0 || from >= sh.cols || to < 0 || to >= sh.cols {
			panic(fmt.Sprintf("sheetstest: MoveColumn(%d, %d) on a sheet of %d columns", from, to, sh.cols))
		}
		dest := to
		if to > from {
			dest = to + 1
		}
		sh.moveCols(from, from+1, dest)
		t.ss.moveMeta(sh.id, "COLUMN", from, from+1, dest)
		t.rebase(refEdit{sh.title, false, moveMap(from, from+1, dest)})
	})
}

// MoveRows drags n rows starting at from so that they start at to
// (to counted after the move); their metadata moves with them.
func (s *Server) MoveRows(id, tab string, from, n, to int) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if from < 0 || n <= 0 || from+n > sh.rows || to < 0 || to+n > sh.rows {
			panic(fmt.Sprintf("sheetstest: MoveRows(%d, %d, %d) on a sheet of %d rows", from, n, to, sh.rows))
		}
		dest := to
		if to > from {
			dest = to + n
		}
		sh.moveRows(from, from+n, dest)
		t.ss.moveMeta(sh.id, "ROW", from, from+n, dest)
		t.rebase(refEdit{sh.title, true, moveMap(from, from+n, dest)})
	})
}

// SetCell types v into the cell at 0-based row and col: strings are
// parsed as typed in the UI ("=…" becomes a formula, "12" a number);
// float64, int and bool are stored as such, a time.Time as a date-time
// serial; nil clears the value. It panics outside the grid.
func (s *Server) SetCell(id, tab string, row, col int, v any) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if row < 0 || col < 0 || row >= sh.rows || col >= sh.cols {
			panic(fmt.Sprintf("sheetstest: SetCell(%d, %d) outside the %dx%d grid", row, col, sh.rows, sh.cols))
		}
		old := sh.get(row, col)
		c := cell{f: old.f}
		switch x := v.(type) {
		case nil:
		case string:
			if x != "" {
				c = parseUserEntered(x)
				if c.f == nil {
					c.f = old.f
				}
			}
		case float64:
			c.k, c.n = kNumber, x
		case int:
			c.k, c.n = kNumber, float64(x)
		case int64:
			c.k, c.n = kNumber, float64(x)
		case bool:
			c.k = kBool
			if x {
				c.n = 1
			}
		case time.Time:
			c.k, c.n = kNumber, timeSerial(x)
			if !old.f.isDate() {
				c.f = fmtISODT
			}
		default:
			panic(fmt.Sprintf("sheetstest: SetCell: unsupported value %T", v))
		}
		if c.k == kFormula {
			t.ss.formulas = true
		}
		sh.set(row, col, c)
	})
}

// FormatColumn gives rows [fromRow, rows) of column col the number format
// typ/pattern, as a person selecting the column and picking Format →
// Number would (fromRow 1 leaves the header alone).
func (s *Server) FormatColumn(id, tab string, col, fromRow int, typ, pattern string) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		f := s.intern(&sheets.NumberFormat{Type: typ, Pattern: pattern})
		for r := fromRow; r < sh.rows; r++ {
			if r >= len(sh.data) || sh.data[r] == nil {
				continue
			}
			c := sh.get(r, col)
			c.f = f
			sh.set(r, col, c)
		}
	})
}

// SetNote puts a note on a cell ("" removes it), as a person would.
func (s *Server) SetNote(id, tab string, row, col int, note string) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		sh.set(row, col, sh.get(row, col).withExt(func(x *cellExt) { x.note = note }))
	})
}

// ColumnWidth returns the pixel width of column col (100 unless set).
func (s *Server) ColumnWidth(id, tab string, col int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sh := s.mustSheet(id, tab)
	if col < len(sh.widths) && sh.widths[col] > 0 {
		return sh.widths[col]
	}
	return 100
}

// Formulas returns the A1 positions of every formula cell of a sheet.
func (s *Server) Formulas(id, tab string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sh := s.mustSheet(id, tab)
	var out []string
	for r, rw := range sh.data {
		if rw == nil {
			continue
		}
		for j, c := range rw.c {
			if c.k == kFormula {
				out = append(out, colName(j)+strconv.Itoa(r+1))
			}
		}
	}
	return out
}

// RenameSheet renames a sheet as a user double-clicking its tab would.
func (s *Server) RenameSheet(id, tab, title string) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if o := t.ss.sheetByTitle(title); o != nil && o.id != sh.id {
			panic(fmt.Sprintf("sheetstest: RenameSheet: %q already exists", title))
		}
		old := sh.title
		sh.title = title
		t.renameRefs(old, title)
	})
}

// DeleteSheet deletes a sheet as a user choosing "Delete" on its tab would:
// its values and the developer metadata on it go; spreadsheet-level
// metadata stays. Like the UI, it refuses to delete the last sheet.
func (s *Server) DeleteSheet(id, tab string) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		if len(t.ss.sheets) == 1 {
			panic(fmt.Sprintf("sheetstest: DeleteSheet: %q is the only sheet", tab))
		}
		t.ss.sheets = slices.DeleteFunc(t.ss.sheets, func(x *sheet) bool { return x.id == sh.id })
		t.ss.dropSheetMeta(sh.id)
	})
}

// Table renders a sheet as a text table of formatted values (what a user
// sees), with row numbers and column letters, for the demo and test logs.
// A cell that links somewhere ends in ↗.
func (s *Server) Table(id, tab string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sh := s.mustSheet(id, tab)
	const maxWidth = 28
	n := sh.usedRows()
	o := renderOpts{mode: "FORMATTED_VALUE"}
	width := 0
	cells := make([][]string, n)
	for r := 0; r < n; r++ {
		rw := sh.data[r]
		if rw == nil {
			continue
		}
		end := len(rw.c)
		for end > 0 && rw.c[end-1].empty() {
			end--
		}
		width = max(width, end)
		cells[r] = make([]string, end)
		for j := 0; j < end; j++ {
			v := fmt.Sprint(cellValue(rw.c[j], o))
			v = strings.NewReplacer("\n", "⏎", "\t", " ").Replace(v)
			link := ""
			if rw.c[j].hyperlink() != "" {
				link = " ↗" // a link, as a person sees blue underlined text
			}
			if runewidth.StringWidth(v+link) > maxWidth {
				v = runewidth.Truncate(v, maxWidth-runewidth.StringWidth(link), "…")
			}
			v += link
			cells[r][j] = v
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %d of %d rows used, %d columns", sh.title, n, sh.rows, sh.cols)
	if sh.frozenRows > 0 {
		fmt.Fprintf(&b, ", %d frozen", sh.frozenRows)
	}
	b.WriteByte('\n')
	if n == 0 {
		b.WriteString("(empty)\n")
		return b.String()
	}
	numW := len(strconv.Itoa(n))
	widths := make([]int, width)
	for j := range widths {
		widths[j] = len(colName(j))
		for r := range cells {
			if j < len(cells[r]) {
				widths[j] = max(widths[j], runewidth.StringWidth(cells[r][j]))
			}
		}
	}
	line := func(num string, vals []string) {
		b.WriteString(pad(num, numW, true))
		for j := range widths {
			v := ""
			if j < len(vals) {
				v = vals[j]
			}
			b.WriteString(" | ")
			b.WriteString(pad(v, widths[j], false))
		}
		b.WriteString(" |\n")
	}
	sep := func() {
		b.WriteString(strings.Repeat("-", numW))
		for _, w := range widths {
			b.WriteString("-+-")
			b.WriteString(strings.Repeat("-", w))
		}
		b.WriteString("-+\n")
	}
	letters := make([]string, width)
	for j := range letters {
		letters[j] = colName(j)
	}
	line("", letters)
	sep()
	for r := 0; r < n; r++ {
		line(strconv.Itoa(r+1), cells[r])
		if sh.frozenRows > 0 && r == sh.frozenRows-1 && r < n-1 {
			sep()
		}
	}
	return b.String()
}

func pad(s string, w int, right bool) string {
	n := w - runewidth.StringWidth(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}
