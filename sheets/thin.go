package sheets

import "bytes"

// keepAllCells is the largest tab (grid cells) read whole. A larger tab is
// read thinned (thinFilter): a run holds its key column, the columns the
// mapping does not own, and the rows it changes — not the whole tab.
var keepAllCells int64 = 50_000

// thinFilter returns the filter that thins a large tab as it is read. A
// row loses its cells in owned columns (the key column excepted) when
//
//   - its record is in the table and those cells already hold what the
//     table wants (marked matched: the plan writes nothing there), or
//   - in an incremental run, its record is neither in the table nor
//     deleted (the run does not touch it).
//
// Rows of deleted records, rows without a key and, in a full run, rows of
// records not in the table keep every cell. The filter is off when the
// header does not name every owned column exactly once (the plan then
// adds a column or fails). The price: a value a person's sort makes land
// on an untouched record while the run writes cannot be put back from the
// snapshot; verify warns and the next full run rewrites it.
func (u *upsert) thinFilter() rowFilter {
	var (
		ready  bool
		on     bool
		keyCol int
		owned  []int // column → 1 + index in t.Columns (0: not owned)
	)
	setup := func(g *grid) bool {
		seen := map[string]int{}
		owned = make([]int, g.rowWidth(0))
		for c := range owned {
			h := normHeader(keyText(g.at(0, c)))
			if j, ok := u.owned[h]; ok {
				if seen[h]++; seen[h] > 1 {
					return false
				}
				owned[c] = j + 1
			}
		}
		if len(seen) != len(u.owned) {
			return false
		}
		g.droppable = make([]bool, len(owned))
		for c, j := range owned {
			if j > 0 && j-1 != u.t.Key {
				g.droppable[c] = true
			} else if j > 0 {
				keyCol = c
			}
		}
		return true
	}
	var key []byte
	return func(g *grid, r int) (func(int) bool, bool) {
		if !ready {
			ready, on = true, setup(g)
		}
		if !on {
			return nil, false
		}
		key = appendKey(key[:0], g, r, keyCol)
		if len(key) == 0 {
			return nil, false
		}
		drop := func(c int) bool { return c < len(g.droppable) && g.droppable[c] }
		i, want := u.want[string(key)]
		if !want {
			if u.t.Full || u.deleted[string(key)] {
				return nil, false
			}
			return drop, false
		}
		for c, j1 := range owned {
			if j1 == 0 || !g.droppable[c] {
				continue
			}
			j := j1 - 1
			if !g.same(r, c, u.wantValue(i, j), u.t.Columns[j].Kind) {
				return nil, false
			}
		}
		return drop, true
	}
}

// appendKey appends the key text of row r (as keyText reads it) to b,
// allocating nothing for a text key when b has room.
func appendKey(b []byte, g *grid, r, keyCol int) []byte {
	if t, ok := g.appendText(b, r, keyCol); ok {
		n := copy(t[len(b):], bytes.TrimSpace(t[len(b):]))
		return t[:len(b)+n]
	}
	return append(b, keyText(g.at(r, keyCol))...)
}
