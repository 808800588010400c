package sheets

import "context"

// verify re-reads the key column and header row after the write. Values
// that landed on another record (a human sorted or inserted rows, or moved
// columns, during the write) are turned into repairs for the next round:
// the intended record is rewritten wherever it now is, and the record hit
// by mistake gets back the values it had in sn.
func (u *upsert) verify(ctx context.Context, sn *snapshot, p *plan) (bool, error) {
	// The key column is read first, so that the rows nobody needs are
	// dropped as they arrive: only the planned rows' keys are kept,
	// unless rows were deleted (then every key is).
	var (
		filter rowFilter
		keyAt  func(r int) string
		keys   = -1 // rows with a key, when counted by the filter
	)
	if len(p.deleteRows) == 0 {
		planned := make(map[int]string, len(p.rows))
		for i := range p.rows {
			planned[p.rows[i].row] = ""
		}
		keys = 0
		filter = func(g *grid, r int) (func(int) bool, bool) {
			g.countOnly = true
			if g.hasKey(r, 0) {
				keys++
			}
			if _, ok := planned[r]; ok {
				planned[r] = keyText(g.at(r, 0))
			}
			return dropAll, false
		}
		keyAt = func(r int) string { return planned[r] }
	}
	got, err := u.filteredGet(ctx, filter, a1Column(u.title, p.keyCol), a1Row(u.title, 0))
	if err != nil {
		return false, err
	}
	got[0], got[1] = got[1], got[0] // header row, key column
	if keyAt == nil {
		keyAt = func(r int) string { return keyText(got[1].at(r, 0)) }
	}
	hdrs := make([]string, got[0].rowWidth(0))
	keyCol := -1 // where the key column is now
	for c := range hdrs {
		hdrs[c] = normHeader(keyText(got[0].at(0, c)))
		if hdrs[c] == u.hdr[u.t.Key] && keyCol < 0 {
			keyCol = c
		}
	}
	if keyCol >= 0 && keyCol != p.keyCol {
		// A person moved the key column (dragged it, or put a column in
		// front of it) during the write: read the keys where they are now.
		moved, err := u.filteredGet(ctx, nil, a1Column(u.title, keyCol))
		if err != nil {
			return false, err
		}
		got[1] = moved[0]
		keyAt = func(r int) string { return keyText(got[1].at(r, 0)) }
		keys = -1
	}
	checkAll := len(p.deleteRows) > 0 // every record the tab should hold is looked for
	if !checkAll && len(p.rows) > p.nUpdates {
		// New rows were appended below the last used row. Had a person
		// inserted rows meanwhile, they landed on records pushed down,
		// whose rows (and what people wrote on them) would be lost: the
		// tab then holds fewer keys than it should.
		if keys < 0 {
			keys = 0
			for r := 1; r < got[1].rows(); r++ {
				if got[1].hasKey(r, 0) {
					keys++
				}
			}
		}
		want := len(p.rows) - p.nUpdates
		for r := 1; r < sn.rows(); r++ {
			if sn.g.hasKey(r, p.keyCol) {
				want++
			}
		}
		if keys != want {
			checkAll = true
			if keyAt != nil && filter != nil && (keyCol < 0 || keyCol == p.keyCol) {
				all, err := u.filteredGet(ctx, nil, a1Column(u.title, p.keyCol))
				if err != nil {
					return false, err
				}
				got[1] = all[0]
				keyAt = func(r int) string { return keyText(got[1].at(r, 0)) }
			}
		}
	}
	hdrAt := func(c int) string {
		if c < len(hdrs) {
			return hdrs[c]
		}
		return ""
	}
	damaged := false
	lost := 0 // values to put back that the thinned read did not keep
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
		if sn.gone(r, c) {
			lost++
			return nil, false
		}
		v := sn.cell(r, c)
		if v == nil {
			v = ""
		}
		return v, true
	}
	for i := range p.rows {
		pr := &p.rows[i]
		pk := keyAt(pr.row)
		if i >= p.nUpdates && pk != pr.key && keyCol >= 0 {
			// A row appended under moved columns: its key cell is empty or
			// holds one of its own misplaced values. Take it out whole.
			cells := map[int]any{}
			u.each(p, pr, func(c int, v any) { cells[c] = v })
			if w, ok := cells[keyCol]; pk == "" || ok && keyText(w) == pk {
				u.undo = append(u.undo, rowUndo{row: pr.row, cells: cells})
				damaged = true
				continue
			}
		}
		u.each(p, pr, func(c int, v any) {
			ph := hdrAt(c)
			if pk == pr.key && ph == p.colHdr[c] {
				return
			}
			damaged = true
			switch {
			case ph == "":
			case pk == "":
				u.clears = append(u.clears, posClear{row: pr.row, hdr: ph, val: v})
			default:
				if _, want := u.want[pk]; want {
					if _, owned := u.owned[ph]; owned {
						return // rewritten from the table anyway
					}
				}
				if v, ok := orig(pk, ph); ok {
					u.setRestore(pk, ph, v)
				}
			}
		})
	}
	if checkAll {
		// A sort between reading and deleting rows removes the wrong ones,
		// and rows inserted while appending make new rows land on records:
		// put back every record that should still be there.
		keys := got[1]
		present := indexKeys(keys.rows(), func(b []byte, r int) []byte { return appendKey(b, keys, r, 0) })
		var missing []string
		p.eachFinal(1, func(_ int, k string) {
			if _, found := present.get(k); k != "" && !found {
				missing = append(missing, k)
			}
		})
		var theirs []posClear // people's cells of the lost records
		for _, k := range missing {
			damaged = true
			r := sn.rowOf(p.keyCol, k, u.keyOf)
			if r < 0 {
				continue // a row we appended: the table re-adds it
			}
			u.restoreRow[k] = true
			for c := range sn.headerWidth() {
				h := sn.header(c)
				if h == "" {
					continue
				}
				if _, want := u.want[k]; want {
					if _, owned := u.owned[h]; owned {
						continue
					}
				}
				if sn.gone(r, c) {
					lost++
				} else if v := sn.cell(r, c); v != nil && v != "" {
					u.setRestore(k, h, v)
					if _, owned := u.owned[h]; !owned {
						theirs = append(theirs, posClear{hdr: h, val: v})
					}
				}
			}
		}
		// A row appended over a lost record's row took over what people
		// wrote on it: a new record has nothing of theirs, so those cells
		// go (where they still hold just that) as the lost record gets them
		// back.
		for i := p.nUpdates; i < len(p.rows) && len(theirs) > 0; i++ {
			for _, c := range theirs {
				c.row, c.key = p.rows[i].row, p.rows[i].key
				u.clears = append(u.clears, c)
			}
		}
	}
	if lost > 0 {
		u.s.c.log.Warn().Str("sheet", u.title).Int("cells", lost).
			Msg("sheets: rows moved while writing put values on records this run did not read in full; they are put right by the next full run (--full)")
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
