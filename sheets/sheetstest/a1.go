package sheetstest

import (
	"strconv"
	"strings"
)

// maxColumns is Google's column limit: A..ZZZ.
const maxColumns = 18278

// a1Range is a parsed A1 (or R1C1) range, not yet resolved against a grid.
// Indexes are 0-based, ends exclusive; -1 marks an unbounded end.
type a1Range struct {
	text      string // as received, for "Unable to parse range" messages
	sheet     string // title; "" with !hasSheet = the first visible sheet
	hasSheet  bool
	wholeGrid bool // only a sheet title was given
	single    bool // one cell, e.g. A5: an anchor for writes
	r0, c0    int
	r1, c1    int
}

// parseA1 parses `Sheet1!A1:B2`, `'My ”Sheet”'!A:A`, `A5:A`, `1:2`,
// `Sheet1` and R1C1 forms. An unquoted text that parses as cells is cells
// (so an unquoted title like CRM26 is read as a cell, as Google does).
func parseA1(s string) (a1Range, bool) {
	r := a1Range{text: s}
	var cells string
	switch {
	case strings.HasPrefix(s, "'"):
		title, rest, ok := unquoteTitle(s)
		if !ok {
			return r, false
		}
		r.sheet, r.hasSheet = title, true
		if rest == "" {
			r.wholeGrid = true
			return r, true
		}
		if rest[0] != '!' {
			return r, false
		}
		cells = rest[1:]
	case strings.Contains(s, "!"):
		i := strings.IndexByte(s, '!')
		r.sheet, r.hasSheet, cells = s[:i], true, s[i+1:]
		if r.sheet == "" {
			return r, false
		}
	default:
		if c, ok := parseCells(s); ok {
			c.text = s
			return c, true
		}
		if s == "" {
			return r, false
		}
		r.sheet, r.hasSheet, r.wholeGrid = s, true, true
		return r, true
	}
	c, ok := parseCells(cells)
	if !ok {
		return r, false
	}
	c.text, c.sheet, c.hasSheet = s, r.sheet, true
	return c, true
}

// unquoteTitle reads a single-quoted title: ” is an escaped apostrophe;
// a lone apostrophe not followed by ! or the end is kept literally, since
// Google's own examples show 'Jon's_Data'!A1:D5 undoubled.
func unquoteTitle(s string) (title, rest string, ok bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		if i+1 == len(s) || s[i+1] == '!' {
			return b.String(), s[i+1:], b.Len() > 0
		}
		b.WriteByte('\'')
	}
	return "", "", false
}

type cellRef struct {
	col, row int // 0-based; -1 = absent
}

func parseRef(s string) (cellRef, bool) {
	ref := cellRef{-1, -1}
	if s == "" {
		return ref, false
	}
	// R1C1
	if (s[0] == 'R' || s[0] == 'r') && len(s) > 1 && s[1] >= '0' && s[1] <= '9' {
		if i := strings.IndexAny(s, "Cc"); i > 1 {
			row, err1 := strconv.Atoi(s[1:i])
			col, err2 := strconv.Atoi(s[i+1:])
			if err1 == nil && err2 == nil && row >= 1 && col >= 1 && col <= maxColumns {
				return cellRef{col - 1, row - 1}, true
			}
		}
	}
	i := 0
	col := 0
	for i < len(s) {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch < 'A' || ch > 'Z' {
			break
		}
		col = col*26 + int(ch-'A'+1)
		i++
		if i > 3 {
			return ref, false
		}
	}
	if i > 0 {
		if col > maxColumns {
			return ref, false
		}
		ref.col = col - 1
	}
	if i < len(s) {
		row, err := strconv.Atoi(s[i:])
		if err != nil || row < 1 || s[i] == '+' || s[i] == '-' {
			return ref, false
		}
		ref.row = row - 1
	}
	return ref, true
}

func parseCells(s string) (a1Range, bool) {
	r := a1Range{r1: -1, c1: -1}
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 1:
		p, ok := parseRef(parts[0])
		if !ok || p.col < 0 || p.row < 0 {
			return r, false
		}
		r.r0, r.c0, r.r1, r.c1, r.single = p.row, p.col, p.row+1, p.col+1, true
		return r, true
	case 2:
	default:
		return r, false
	}
	p, ok1 := parseRef(parts[0])
	q, ok2 := parseRef(parts[1])
	if !ok1 || !ok2 {
		return r, false
	}
	// Columns.
	switch {
	case p.col >= 0 && q.col >= 0:
		r.c0, r.c1 = min(p.col, q.col), max(p.col, q.col)+1
	case p.col < 0 && q.col < 0: // 1:2
		r.c0, r.c1 = 0, -1
	case p.col >= 0: // A2:5
		r.c0, r.c1 = p.col, -1
	default: // 2:B5 is not a range
		return r, false
	}
	// Rows.
	switch {
	case p.row >= 0 && q.row >= 0:
		r.r0, r.r1 = min(p.row, q.row), max(p.row, q.row)+1
	case p.row < 0 && q.row < 0: // A:C
		if p.col < 0 {
			return r, false
		}
		r.r0, r.r1 = 0, -1
	case p.row >= 0: // A2:Z
		r.r0, r.r1 = p.row, -1
	default: // A:B5
		r.r0, r.r1 = 0, q.row+1
	}
	return r, true
}

// colName turns a 0-based column index into letters: 0 → A, 26 → AA.
func colName(i int) string {
	n := i + 1
	var b [4]byte
	p := len(b)
	for n > 0 {
		n--
		p--
		b[p] = byte('A' + n%26)
		n /= 26
	}
	return string(b[p:])
}

// quoteTitle quotes a sheet title the way Sheets returns it: only when
// needed, with apostrophes doubled.
func quoteTitle(t string) string {
	if !needsQuote(t) {
		return t
	}
	return "'" + strings.ReplaceAll(t, "'", "''") + "'"
}

func needsQuote(t string) bool {
	if t == "" {
		return true
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		alpha := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
		if !(alpha || i > 0 && c >= '0' && c <= '9') {
			return true
		}
	}
	if _, ok := parseRef(t); ok { // looks like a cell or a column: A1, CRM26, Q
		return true
	}
	return false
}

// rangeText renders cells [r0,r1)x[c0,c1) of title in A1 notation.
func rangeText(title string, r0, c0, r1, c1 int) string {
	q := quoteTitle(title)
	a := colName(c0) + strconv.Itoa(r0+1)
	if r1-r0 == 1 && c1-c0 == 1 {
		return q + "!" + a
	}
	return q + "!" + a + ":" + colName(c1-1) + strconv.Itoa(r1)
}

// requestedText renders a parsed range, unbounded parts included, for
// "exceeds grid limits" messages.
func (r a1Range) requestedText(title string) string {
	q := quoteTitle(title)
	if r.wholeGrid {
		return q
	}
	if r.single {
		return q + "!" + colName(r.c0) + strconv.Itoa(r.r0+1)
	}
	switch {
	case r.c1 < 0:
		end := ""
		if r.r1 > 0 {
			end = strconv.Itoa(r.r1)
		}
		return q + "!" + colName(r.c0) + strconv.Itoa(r.r0+1) + ":" + end
	case r.r1 < 0:
		start := colName(r.c0)
		if r.r0 > 0 {
			start += strconv.Itoa(r.r0 + 1)
		}
		return q + "!" + start + ":" + colName(r.c1-1)
	}
	return rangeText(title, r.r0, r.c0, r.r1, r.c1)
}
