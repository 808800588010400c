package sheetstest

import (
	"slices"
	"strings"
)

// Protected ranges are enforced against API callers: a write that would
// change a cell of a range protected without warningOnly, by a caller not
// among its editors' users, is refused whole with Google's 400 (its text
// as public reports quote it; the reference only documents that editors
// are ignored when warningOnly is true). Deleting rows or columns that
// cross such a range is an edit too. Changes a person makes in the UI
// (the Server's human methods) are the owner's: never refused.

// errProtected is Google's answer to a write into a protected range.
func errProtected() *apiError {
	return badRequest("You are trying to edit a protected cell or object. Please contact the spreadsheet owner to remove protection if you need to edit.")
}

// protection is one protectedRange of a sheet, as enforced.
type protection struct {
	bx          box
	warningOnly bool
	editors     []string // lower-cased emails
	unprotected []box
}

// boxOf reads a GridRange held as JSON (a map) into a box of sh; missing
// indexes are unbounded.
func boxOf(sh *sheet, v any) box {
	m, _ := v.(map[string]any)
	idx := func(k string, def int) int {
		switch n := m[k].(type) {
		case float64:
			return int(n)
		case int64:
			return int(n)
		case int:
			return n
		}
		return def
	}
	return box{idx("startRowIndex", 0), idx("startColumnIndex", 0), idx("endRowIndex", sh.rows), idx("endColumnIndex", sh.cols)}
}

func (sh *sheet) protections() []protection {
	var out []protection
	for _, p := range sh.protected {
		m, _ := p.(map[string]any)
		pr := protection{bx: boxOf(sh, m["range"])}
		pr.warningOnly, _ = m["warningOnly"].(bool)
		if ed, ok := m["editors"].(map[string]any); ok {
			us, _ := ed["users"].([]any)
			for _, u := range us {
				if s, ok := u.(string); ok {
					pr.editors = append(pr.editors, strings.ToLower(s))
				}
			}
		}
		if us, ok := m["unprotectedRanges"].([]any); ok {
			for _, u := range us {
				pr.unprotected = append(pr.unprotected, boxOf(sh, u))
			}
		}
		out = append(out, pr)
	}
	return out
}

func (b box) intersect(o box) (box, bool) {
	x := box{max(b.r0, o.r0), max(b.c0, o.c0), min(b.r1, o.r1), min(b.c1, o.c1)}
	return x, x.r0 < x.r1 && x.c0 < x.c1
}

func (b box) within(o box) bool {
	return b.r0 >= o.r0 && b.c0 >= o.c0 && b.r1 <= o.r1 && b.c1 <= o.c1
}

// guard refuses a change of the cells in bx of sh by the tx's API caller
// when a protected range forbids it.
func (t *tx) guard(sh *sheet, bx box) *apiError {
	if t.by == "" || len(sh.protected) == 0 {
		return nil
	}
	return t.guardBy(sh.protections(), bx)
}

// guardBy is guard with the sheet's protections already read.
func (t *tx) guardBy(prot []protection, bx box) *apiError {
	if t.by == "" {
		return nil
	}
	for _, p := range prot {
		if p.warningOnly || slices.Contains(p.editors, t.by) {
			continue
		}
		x, ok := p.bx.intersect(bx)
		if !ok || slices.ContainsFunc(p.unprotected, func(u box) bool { return x.within(u) }) {
			continue
		}
		return errProtected()
	}
	return nil
}

// UnprotectRange removes protected range pid, as its owner would.
func (s *Server) UnprotectRange(id, tab string, pid int64) {
	s.human(id, tab, func(t *tx, sh *sheet) {
		sh.protected = slices.DeleteFunc(sh.protected, func(p any) bool {
			m, _ := p.(map[string]any)
			return m["protectedRangeId"] == pid
		})
	})
}

// ProtectRange protects rows [r0, r1) × columns [c0, c1) of a sheet (-1:
// unbounded) as a person using Data → Protect sheets and ranges would:
// only the owner and editors may change them, or, with warningOnly, anyone
// after a warning. It returns the protectedRangeId.
func (s *Server) ProtectRange(id, tab string, r0, r1, c0, c1 int, warningOnly bool, editors ...string) int64 {
	var pid int64
	s.human(id, tab, func(t *tx, sh *sheet) {
		rng := map[string]any{"sheetId": sh.id}
		for k, v := range map[string]int{"startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1} {
			if v >= 0 {
				rng[k] = int64(v)
			}
		}
		users := []any{}
		for _, e := range editors {
			users = append(users, e)
		}
		pid = int64(s.rng.Int32N(1<<30) + 1)
		sh.protected = append(sh.protected, map[string]any{"protectedRangeId": pid, "range": rng,
			"warningOnly": warningOnly, "editors": map[string]any{"users": users}})
	})
	return pid
}
