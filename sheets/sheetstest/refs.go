package sheetstest

import (
	"strconv"
	"strings"
)

// Formulas people type keep pointing at the same cells when the grid
// changes under them, as in every spreadsheet: inserting, deleting or
// moving rows and columns (by a person or through the API) rewrites the
// A1 references of every formula in the spreadsheet that points into the
// sheet changed (=C7 becomes =C6 when a row above is deleted; a reference
// to a deleted cell becomes #REF!), and renaming a sheet rewrites the
// references that name it. Sorting rewrites cell contents instead: a
// formula moved by a sort keeps its relative references relative to its
// own new row, as a copy would. The reference does not describe any of
// this; it is how Google Sheets behaves in its UI.

// dimMap maps an old 0-based row or column index of one sheet to its new
// index, or -1 when it was deleted.
type dimMap func(i int) int

// refToken is one reference found in a formula.
type refToken struct {
	start, end int    // byte span in the formula, sheet prefix included
	sheet      string // title named by the prefix ("" = the formula's own sheet)
	prefix     string // the prefix as written, "!" included ("" when none)
	a, b       refEnd // b.ok false for a single cell
}

// refEnd is one end of a reference: a cell (col and row), a whole column
// (row < 0) or a whole row (col < 0); 0-based.
type refEnd struct {
	ok             bool
	col, row       int
	absCol, absRow bool
}

func (e refEnd) String() string {
	var b strings.Builder
	if e.col >= 0 {
		if e.absCol {
			b.WriteByte('$')
		}
		b.WriteString(colName(e.col))
	}
	if e.row >= 0 {
		if e.absRow {
			b.WriteByte('$')
		}
		b.WriteString(strconv.Itoa(e.row + 1))
	}
	return b.String()
}

func isIdent(c byte) bool {
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// scanEnd reads a reference end at s[i:]: $?COL$?ROW, $?COL or $?ROW.
func scanEnd(s string, i int) (refEnd, int) {
	e := refEnd{col: -1, row: -1}
	j := i
	if j < len(s) && s[j] == '$' {
		e.absCol = true
		j++
	}
	k := j
	for k < len(s) && k-j < 3 && (s[k] >= 'A' && s[k] <= 'Z' || s[k] >= 'a' && s[k] <= 'z') {
		k++
	}
	if k > j {
		e.col = colIndex(strings.ToUpper(s[j:k]))
		j = k
	} else if e.absCol {
		e.absCol, e.absRow = false, true // $5: an absolute row
	}
	if j < len(s) && s[j] == '$' && e.col >= 0 {
		e.absRow = true
		j++
	}
	k = j
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if k > j {
		n, err := strconv.Atoi(s[j:k])
		if err != nil || n < 1 {
			return refEnd{}, i
		}
		e.row = n - 1
		j = k
	}
	if e.col < 0 && e.row < 0 {
		return refEnd{}, i
	}
	e.ok = true
	return e, j
}

func colIndex(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*26 + int(s[i]-'A'+1)
	}
	return n - 1
}

// scanRefs finds the references in formula f (string literals skipped).
func scanRefs(f string) []refToken {
	var out []refToken
	for i := 0; i < len(f); {
		c := f[i]
		if c == '"' {
			for i++; i < len(f) && f[i] != '"'; i++ {
			}
			i++
			continue
		}
		if i > 0 && isIdent(f[i-1]) || !(c == '$' || c == '\'' || isIdent(c)) {
			i++
			continue
		}
		tok := refToken{start: i}
		j := i
		// A sheet prefix: 'quoted title'! or Title!.
		if c == '\'' {
			k := j + 1
			var title strings.Builder
			for k < len(f) {
				if f[k] == '\'' {
					if k+1 < len(f) && f[k+1] == '\'' {
						title.WriteByte('\'')
						k += 2
						continue
					}
					break
				}
				title.WriteByte(f[k])
				k++
			}
			if k+1 >= len(f) || f[k+1] != '!' {
				i = k + 1
				continue
			}
			tok.sheet, tok.prefix, j = title.String(), f[i:k+2], k+2
		} else {
			k := j
			for k < len(f) && (isIdent(f[k]) || f[k] == '$') {
				k++
			}
			if k < len(f) && f[k] == '!' {
				tok.sheet, tok.prefix, j = f[i:k], f[i:k+1], k+1
			}
		}
		a, k := scanEnd(f, j)
		if !a.ok {
			i = max(j, i+1)
			for i < len(f) && isIdent(f[i]) {
				i++
			}
			continue
		}
		tok.a = a
		if k < len(f) && f[k] == ':' {
			if b, k2 := scanEnd(f, k+1); b.ok {
				tok.b, k = b, k2
			}
		}
		// Not a reference: part of a longer name, or a function (LOG10().
		whole := tok.a.col >= 0 && tok.a.row >= 0 && !tok.b.ok ||
			tok.b.ok && (tok.a.col >= 0) == (tok.b.col >= 0) && (tok.a.row >= 0) == (tok.b.row >= 0)
		if !whole || k < len(f) && (isIdent(f[k]) || f[k] == '(' || f[k] == '!') {
			i = k
			for i < len(f) && isIdent(f[i]) {
				i++
			}
			continue
		}
		tok.end = k
		out = append(out, tok)
		i = k
	}
	return out
}

// refEdit is one change to the grid of sheet title: rows (or columns)
// move per m. A range's ends move inward past deleted rows.
type refEdit struct {
	title string
	rows  bool
	m     dimMap
}

// rewrite returns f with its references to e.title (own is the title of
// the formula's sheet) moved per e; a cell or range wholly deleted reads
// #REF!. ok is false when nothing changed.
func (e refEdit) rewrite(f, own string) (string, bool) {
	toks := scanRefs(f)
	var b strings.Builder
	last, changed := 0, false
	for _, t := range toks {
		sheet := t.sheet
		if t.prefix == "" {
			sheet = own
		}
		if !strings.EqualFold(sheet, e.title) {
			continue
		}
		out, ok := e.move(t)
		if !ok {
			continue
		}
		b.WriteString(f[last:t.start])
		b.WriteString(out)
		last, changed = t.end, true
	}
	if !changed {
		return f, false
	}
	b.WriteString(f[last:])
	return b.String(), true
}

// move returns the reference t after e ("#REF!" when it is gone); ok is
// false when it did not change.
func (e refEdit) move(t refToken) (string, bool) {
	a, b := t.a, t.b
	pa, pb := &a.row, &b.row
	if !e.rows {
		pa, pb = &a.col, &b.col
	}
	if *pa < 0 {
		return "", false // a whole row (column) reference: unaffected by column (row) edits
	}
	if !b.ok {
		n := e.m(*pa)
		if n == *pa {
			return "", false
		}
		if n < 0 {
			return t.prefix + "#REF!", true
		}
		*pa = n
		return t.prefix + a.String(), true
	}
	lo, hi := *pa, *pb
	if lo > hi {
		lo, hi = hi, lo
	}
	nlo, nhi := -1, -1
	for i := lo; i <= hi && nlo < 0; i++ {
		nlo = e.m(i)
	}
	for i := hi; i >= lo && nhi < 0; i-- {
		nhi = e.m(i)
	}
	if nlo < 0 || nhi < 0 {
		return t.prefix + "#REF!", true
	}
	if nlo > nhi {
		nlo, nhi = nhi, nlo
	}
	if nlo == lo && nhi == hi {
		return "", false
	}
	*pa, *pb = nlo, nhi
	return t.prefix + a.String() + ":" + b.String(), true
}

// rebase rewrites every formula of the spreadsheet after edit e.
func (t *tx) rebase(e refEdit) {
	if !t.ss.formulas {
		return
	}
	for _, sh := range t.ss.sheets {
		var w *sheet
		for r, rw := range sh.data {
			if rw == nil {
				continue
			}
			for c := range rw.c {
				if rw.c[c].k != kFormula {
					continue
				}
				f, ok := e.rewrite(rw.c[c].s, sh.title)
				if !ok {
					continue
				}
				if w == nil {
					w = t.w(sh)
				}
				x := w.get(r, c)
				x.s = f
				w.set(r, c, x)
			}
		}
	}
}

// renameRefs rewrites the references naming sheet old to name it title.
func (t *tx) renameRefs(old, title string) {
	if !t.ss.formulas {
		return
	}
	for _, sh := range t.ss.sheets {
		var w *sheet
		for r, rw := range sh.data {
			if rw == nil {
				continue
			}
			for c := range rw.c {
				cl := rw.c[c]
				if cl.k != kFormula || !strings.Contains(cl.s, "!") {
					continue
				}
				toks := scanRefs(cl.s)
				var b strings.Builder
				last := 0
				for _, tk := range toks {
					if tk.prefix == "" || !strings.EqualFold(tk.sheet, old) {
						continue
					}
					b.WriteString(cl.s[last:tk.start])
					b.WriteString(refPrefix(title))
					last = tk.start + len(tk.prefix)
				}
				if last == 0 {
					continue
				}
				b.WriteString(cl.s[last:])
				if w == nil {
					w = t.w(sh)
				}
				x := w.get(r, c)
				x.s = b.String()
				w.set(r, c, x)
			}
		}
	}
}

// refPrefix is how a formula names sheet title: bare when it is a plain
// name that cannot be read as a cell, else quoted.
func refPrefix(title string) string {
	plain := title != ""
	for i := 0; i < len(title); i++ {
		if !isIdent(title[i]) || title[i] == '.' {
			plain = false
		}
	}
	if plain {
		if e, k := scanEnd(title, 0); e.ok && k == len(title) {
			plain = false
		}
		if title[0] >= '0' && title[0] <= '9' {
			plain = false
		}
	}
	if plain {
		return title + "!"
	}
	return "'" + strings.ReplaceAll(title, "'", "''") + "'!"
}

// shiftMap is the dimMap of inserting (n > 0) or deleting (n < 0) |n|
// rows or columns at index at.
func shiftMap(at, n int) dimMap {
	return func(i int) int {
		switch {
		case i < at:
			return i
		case n > 0:
			return i + n
		case i < at-n:
			return -1
		}
		return i + n
	}
}

// moveMap is the dimMap of moving [s, e) before dest (dest counted before
// the move, as moveDimension's destinationIndex).
func moveMap(s, e, dest int) dimMap {
	n := e - s
	return func(i int) int {
		switch {
		case dest >= s && dest <= e:
			return i
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
}

// relativeRows returns formula f copied d rows down (up when d < 0): its
// relative row references move, absolute ones stay; a reference moved
// above the first row reads #REF!.
func relativeRows(f string, d int) string {
	if d == 0 {
		return f
	}
	toks := scanRefs(f)
	var b strings.Builder
	last := 0
	for _, t := range toks {
		a, e := t.a, t.b
		moved, gone := false, false
		for _, x := range []*refEnd{&a, &e} {
			if x.ok && x.row >= 0 && !x.absRow {
				x.row += d
				moved, gone = true, gone || x.row < 0
			}
		}
		if !moved {
			continue
		}
		b.WriteString(f[last:t.start])
		if gone {
			b.WriteString(t.prefix + "#REF!")
		} else {
			b.WriteString(t.prefix + a.String())
			if e.ok {
				b.WriteString(":" + e.String())
			}
		}
		last = t.end
	}
	if last == 0 {
		return f
	}
	b.WriteString(f[last:])
	return b.String()
}
