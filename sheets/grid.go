package sheets

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"

	"google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/internal/jsonscan"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// grid is one range of values as read (UNFORMATTED_VALUE, rows major),
// held compactly: per cell a kind byte and one word, text in one shared
// arena. A 1,000,000-cell tab is ~9 bytes a cell plus its text, in
// pointer-free chunks the garbage collector never scans, instead of a
// boxed value per cell. Text made of up to 19 digits (every Zoho record
// id) is held as its value in the word, not in the arena: the key column
// of an incremental run's thinned read is then 13 bytes a row, not 32.
type grid struct {
	start chunks[uint32] // start[r] is the index in kinds/words of row r's first cell; one extra at the end
	kinds chunks[cellKind]
	words chunks[uint64] // text: offset<<32 | length in arena; digits: their value; number: its bits; bool: 0 or 1
	arena []byte
	width int // cells in the longest row

	// filter, when set, thins rows as they are read (see rowFilter).
	filter rowFilter
	// droppable[c] is true for a column whose cells a thin row lost.
	droppable []bool
	thin      []uint64 // bit r: row r was thinned
	match     []uint64 // bit r: the cells row r lost held what the table wants

	// countOnly, set by a filter on its first call, has every row after
	// the header counted and dropped whole once the filter has seen it:
	// not even its start is kept. counted is the number of such rows;
	// while the filter looks at row counted+1, its cells are at row 1.
	countOnly bool
	counted   int
}

// rowFilter decides at the end of each row after the header which of its
// cells to keep. drop (nil: keep every cell) names the columns whose
// cells are dropped; matched says they held what the table wants. It may
// set g.droppable or g.countOnly on its first call.
type rowFilter func(g *grid, r int) (drop func(c int) bool, matched bool)

func bit(bits []uint64, i int) bool { return i>>6 < len(bits) && bits[i>>6]&(1<<(i&63)) != 0 }

func setBit(bits *[]uint64, i int) {
	for len(*bits) <= i>>6 {
		*bits = append(*bits, 0)
	}
	(*bits)[i>>6] |= 1 << (i & 63)
}

// gone reports whether cell (r, c) was dropped by the filter: its value is
// unknown, not empty.
func (g *grid) gone(r, c int) bool {
	return g != nil && bit(g.thin, r) && c >= 0 && c < len(g.droppable) && g.droppable[c]
}

// matched reports whether row r's dropped cells held what the table wants.
func (g *grid) matched(r int) bool { return g != nil && bit(g.match, r) }

// thinRow drops the cells of row r that drop names (the row's text starts
// at textStart in the arena, which is compacted).
func (g *grid) thinRow(r int, drop func(int) bool, textStart int, matched bool) {
	s, e := int(g.start.at(r)), int(g.start.at(r+1))
	at, last := textStart, s-1
	for i := s; i < e; i++ {
		if drop(i - s) {
			g.kinds.set(i, cellNull)
			g.words.set(i, 0)
			continue
		}
		if g.kinds.at(i) == cellText {
			n := copy(g.arena[at:], g.bytes(i)) // moves text down: copy handles the overlap
			g.words.set(i, uint64(at)<<32|uint64(n))
			at += n
		}
		last = i
	}
	g.arena = g.arena[:at]
	g.kinds.truncate(last + 1)
	g.words.truncate(last + 1)
	g.start.set(r+1, uint32(last+1))
	setBit(&g.thin, r)
	if matched {
		setBit(&g.match, r)
	}
}

type cellKind uint8

const (
	cellNull cellKind = iota
	cellText
	cellNumber
	cellBool
	// cellDigits is text of 1 to 19 decimal digits without a leading zero
	// (or "0"): it reads back as exactly that text, never as a number.
	cellDigits
)

// maxDigits is the longest digit text a word holds: every 19-digit
// number is below 2^64.
const maxDigits = 19

// digitsValue returns the value of b when it is digit text a word holds
// (see cellDigits).
func digitsValue(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > maxDigits || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

func (g *grid) rows() int {
	if g == nil || g.start.len() == 0 {
		return 0
	}
	return g.start.len() - 1 + g.counted
}

// stored maps row r to where its cells are held, -1 when they are not.
func (g *grid) stored(r int) int {
	if g.counted > 0 && r > 0 {
		r -= g.counted
		if r <= 0 {
			return -1
		}
	}
	if r < 0 || r >= g.start.len()-1 {
		return -1
	}
	return r
}

// rowWidth is the number of cells row r holds (trailing empty cells are
// not sent).
func (g *grid) rowWidth(r int) int {
	if r = g.stored(r); r < 0 {
		return 0
	}
	return int(g.start.at(r+1) - g.start.at(r))
}

// index returns the position of cell (r, c) in kinds/words, or -1.
func (g *grid) index(r, c int) int {
	if c < 0 || c >= g.rowWidth(r) {
		return -1
	}
	return int(g.start.at(g.stored(r))) + c
}

func (g *grid) bytes(i int) []byte {
	w := g.words.at(i)
	off, n := w>>32, w&0xffffffff
	return g.arena[off : off+n]
}

// at returns cell (r, c) as the API client would have decoded it: string,
// float64, bool or nil (missing or null).
func (g *grid) at(r, c int) any {
	i := g.index(r, c)
	if i < 0 {
		return nil
	}
	switch g.kinds.at(i) {
	case cellText:
		return string(g.bytes(i))
	case cellDigits:
		return strconv.FormatUint(g.words.at(i), 10)
	case cellNumber:
		return math.Float64frombits(g.words.at(i))
	case cellBool:
		return g.words.at(i) == 1
	}
	return nil
}

// text returns the text of cell (r, c): for arena text a view, without
// copying it (the arena is never written once the read is done).
func (g *grid) text(r, c int) (string, bool) {
	i := g.index(r, c)
	if i < 0 {
		return "", false
	}
	switch g.kinds.at(i) {
	case cellDigits:
		return strconv.FormatUint(g.words.at(i), 10), true
	case cellText:
		b := g.bytes(i)
		if len(b) == 0 {
			return "", true
		}
		return unsafe.String(&b[0], len(b)), true
	}
	return "", false
}

// appendText appends the text of cell (r, c) to b and reports whether the
// cell holds text; it allocates nothing when b has room.
func (g *grid) appendText(b []byte, r, c int) ([]byte, bool) {
	i := g.index(r, c)
	if i < 0 {
		return b, false
	}
	switch g.kinds.at(i) {
	case cellDigits:
		return strconv.AppendUint(b, g.words.at(i), 10), true
	case cellText:
		return append(b, g.bytes(i)...), true
	}
	return b, false
}

// same reports sameValue(want, k, at(r, c)) without boxing the cell.
func (g *grid) same(r, c int, want any, k zsync.Kind) bool {
	i := g.index(r, c)
	if i < 0 {
		return sameValue(want, k, nil)
	}
	switch g.kinds.at(i) {
	case cellText:
		if w, ok := want.(string); ok {
			return string(g.bytes(i)) == w
		}
		return want == nil
	case cellDigits:
		if w, ok := want.(string); ok {
			var buf [maxDigits]byte
			return string(strconv.AppendUint(buf[:0], g.words.at(i), 10)) == w
		}
		return want == nil
	case cellNumber:
		return sameValue(want, k, math.Float64frombits(g.words.at(i)))
	case cellBool:
		return sameValue(want, k, g.words.at(i) == 1)
	}
	return sameValue(want, k, nil)
}

// hasKey reports whether cell (r, c) holds what keyText reads as a key
// (anything but nothing and blank text), without making the key.
func (g *grid) hasKey(r, c int) bool {
	i := g.index(r, c)
	if i < 0 {
		return false
	}
	switch g.kinds.at(i) {
	case cellNull:
		return false
	case cellText:
		return len(bytes.TrimSpace(g.bytes(i))) > 0
	}
	return true
}

// isNumber reports whether cell (r, c) holds a number.
func (g *grid) isNumber(r, c int) bool {
	i := g.index(r, c)
	return i >= 0 && g.kinds.at(i) == cellNumber
}

// decodeValueRanges reads the answer of values:batchGet (rows major) from
// r into one grid per value range, without holding the body or a boxed
// value per cell. n is the number of ranges asked for; filter, when not
// nil, thins the first range's rows as they are read.
func decodeValueRanges(r io.Reader, n int, filter rowFilter) ([]*grid, error) {
	out := make([]*grid, n)
	sc := jsonscan.New(r)
	var key []byte
	if !sc.Expect('{') {
		return nil, sc.Err()
	}
	for sc.More('}') {
		key, _ = sc.Key(key[:0])
		if string(key) != "valueRanges" {
			sc.Skip()
			continue
		}
		if !sc.Expect('[') {
			break
		}
		for i := 0; sc.More(']'); i++ {
			g := &grid{}
			if i == 0 {
				g.filter = filter
			}
			if i < n {
				out[i] = g
			}
			if !sc.Expect('{') {
				break
			}
			for sc.More('}') {
				key, _ = sc.Key(key[:0])
				if string(key) != "values" {
					sc.Skip()
					continue
				}
				if err := g.decodeRows(sc); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i] == nil {
			out[i] = &grid{}
		}
	}
	return out, nil
}

// endText makes the text appended to the arena from off on a cell.
func (g *grid) endText(off int) error {
	if v, ok := digitsValue(g.arena[off:]); ok {
		g.arena = g.arena[:off]
		g.kinds.push(cellDigits)
		g.words.push(v)
		return nil
	}
	if uint64(len(g.arena)) >= 1<<32 {
		return fmt.Errorf("the tab holds more than 4 GB of text")
	}
	g.kinds.push(cellText)
	g.words.push(uint64(off)<<32 | uint64(len(g.arena)-off))
	return nil
}

// gridOfCells holds cells as spreadsheets.get gives them (their
// effectiveValue: what a values read with UNFORMATTED_VALUE gives; an
// error value, which that read gives as its text, is empty here).
func gridOfCells(rows []*sheets.RowData) (*grid, error) {
	g := &grid{}
	g.start.push(0)
	for _, rd := range rows {
		var cells []*sheets.CellData
		if rd != nil {
			cells = rd.Values
		}
		for _, cd := range cells {
			var v *sheets.ExtendedValue
			if cd != nil {
				v = cd.EffectiveValue
			}
			switch {
			case v != nil && v.StringValue != nil:
				off := len(g.arena)
				g.arena = append(g.arena, *v.StringValue...)
				if err := g.endText(off); err != nil {
					return nil, err
				}
			case v != nil && v.NumberValue != nil:
				g.kinds.push(cellNumber)
				g.words.push(math.Float64bits(*v.NumberValue))
			case v != nil && v.BoolValue != nil:
				var w uint64
				if *v.BoolValue {
					w = 1
				}
				g.kinds.push(cellBool)
				g.words.push(w)
			default:
				g.kinds.push(cellNull)
				g.words.push(0)
			}
		}
		g.start.push(uint32(g.kinds.len()))
		g.width = max(g.width, g.rowWidth(g.rows()-1))
	}
	return g, nil
}

// decodeRows reads [[cell, …], …] into g.
func (g *grid) decodeRows(sc *jsonscan.Scanner) error {
	if !sc.Expect('[') {
		return sc.Err()
	}
	var lit []byte
	g.start = chunks[uint32]{}
	g.start.push(0)
	for sc.More(']') {
		if !sc.Expect('[') {
			break
		}
		textStart := len(g.arena)
		for sc.More(']') {
			switch c := sc.Peek(); {
			case c == '"':
				off := len(g.arena)
				var ok bool
				if g.arena, ok = sc.String(g.arena); !ok {
					break
				}
				if err := g.endText(off); err != nil {
					return err
				}
			default:
				var ok bool
				if lit, ok = sc.Literal(lit[:0]); !ok {
					break
				}
				switch string(lit) {
				case "true":
					g.kinds.push(cellBool)
					g.words.push(1)
				case "false":
					g.kinds.push(cellBool)
					g.words.push(0)
				case "null":
					g.kinds.push(cellNull)
					g.words.push(0)
				default:
					f, err := strconv.ParseFloat(string(lit), 64)
					if err != nil {
						return fmt.Errorf("a cell holds %q, not a JSON value", lit)
					}
					g.kinds.push(cellNumber)
					g.words.push(math.Float64bits(f))
				}
			}
		}
		if g.kinds.len() >= math.MaxUint32 {
			return fmt.Errorf("the range holds more than %d cells", uint32(math.MaxUint32))
		}
		g.start.push(uint32(g.kinds.len()))
		r := g.rows() - 1
		if g.filter != nil && r > 0 && sc.Err() == nil {
			drop, matched := g.filter(g, r)
			switch {
			case g.countOnly:
				n := int(g.start.at(1))
				g.kinds.truncate(n)
				g.words.truncate(n)
				g.start.truncate(2)
				g.arena = g.arena[:textStart]
				g.counted++
			case drop != nil:
				g.thinRow(r, drop, textStart, matched)
			}
		}
		g.width = max(g.width, g.rowWidth(r))
	}
	return sc.Err()
}
