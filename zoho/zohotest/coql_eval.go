package zohotest

import (
	"cmp"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/zoho2sheets/zoho2sheets/internal/jsonenc"
)

// Serving a parsed query: matching, ordering, paging and encoding the rows.

func (s *Server) serveCOQL(w http.ResponseWriter, q *coqlQuery) {
	s.mu.Lock()
	m := s.mods[q.schema.name]
	if q.cols[0].count {
		b := []byte(`{"data":[{`)
		for i, col := range q.cols {
			n := 0
			for _, r := range m.recs {
				if s.coqlMatch(m, r, q.where) && s.pathValue(m, r, col.path) != nil {
					n++
				}
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, col.key)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(n), 10)
		}
		s.mu.Unlock()
		b = append(b, `}],"info":{"count":1,"more_records":false}}`...)
		writeBody(w, http.StatusOK, b)
		return
	}
	rows, more := s.coqlRows(m, q)
	if len(rows) == 0 {
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	hasID := false
	for _, col := range q.cols {
		hasID = hasID || col.key == "id"
	}
	b := make([]byte, 0, 256*len(rows))
	b = append(b, `{"data":[`...)
	for i, r := range rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for i, col := range q.cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, col.key)
			b = append(b, ':')
			b = s.appendCOQLValue(b, s.pathValue(m, r, col.path))
		}
		if !hasID { // id always comes back
			b = append(b, `,"id":`...)
			b = jsonenc.AppendString(b, r.id)
		}
		b = append(b, '}')
	}
	s.stats.RecordsServed += len(rows)
	s.stats.COQLRecords += len(rows)
	s.mu.Unlock()
	b = append(b, `],"info":{"count":`...)
	b = strconv.AppendInt(b, int64(len(rows)), 10)
	b = append(b, `,"more_records":`...)
	b = strconv.AppendBool(b, more)
	b = append(b, "}}"...)
	writeBody(w, http.StatusOK, b)
}

// coqlRows returns the page of matching records and whether more follow.
// Records are kept in id order, so the default order (id asc) needs no
// sort, and an "id > x" bound at the top of the WHERE skips straight to x.
func (s *Server) coqlRows(m *module, q *coqlQuery) ([]*record, bool) {
	byID := len(q.order) == 0 || len(q.order) == 1 && q.order[0].path.text == "id" && !q.order[0].desc
	recs := m.recs
	if lo, ok := idLowerBound(q.where); ok {
		recs = recs[sort.Search(len(recs), func(i int) bool { return recs[i].id >= lo }):]
	}
	var match []*record
	want := q.offset + q.limit + 1
	for _, r := range recs {
		if s.coqlMatch(m, r, q.where) {
			match = append(match, r)
			if byID && len(match) >= want {
				break
			}
		}
	}
	if !byID {
		slices.SortStableFunc(match, func(a, b *record) int {
			for _, o := range q.order {
				d := compareStored(s.pathValue(m, a, o.path), s.pathValue(m, b, o.path), o.path.last())
				if o.desc {
					d = -d
				}
				if d != 0 {
					return d
				}
			}
			return strings.Compare(a.id, b.id)
		})
	}
	if q.offset >= len(match) {
		return nil, false
	}
	end := min(q.offset+q.limit, len(match))
	return match[q.offset:end], end < len(match)
}

// idLowerBound finds "id > x" or "id >= x" among the and-ed conditions at
// the top of a WHERE. Ids are fixed-width, so string order is id order.
func idLowerBound(c *coqlCond) (string, bool) {
	switch {
	case c == nil:
		return "", false
	case c.op == "and":
		if lo, ok := idLowerBound(c.left); ok {
			return lo, true
		}
		return idLowerBound(c.right)
	case c.op == "" && len(c.path.fields) == 1 && c.path.text == "id" && (c.cmp == ">" || c.cmp == ">="):
		v, _ := c.vals[0].(string)
		return v, len(v) == 19
	}
	return "", false
}

// pathValue walks a column's path from r. Callers hold s.mu.
func (s *Server) pathValue(m *module, r *record, p *coqlPath) any {
	for i, f := range p.fields {
		v := s.value(m, r, f)
		if i == len(p.fields)-1 {
			if lk, ok := v.(lookupV); ok && f.lookupModule != "" {
				// The name is the related record's current display value.
				if tm := s.mods[f.lookupModule]; tm != nil {
					if tr := tm.byID[lk.id]; tr != nil {
						name, _ := s.value(tm, tr, tm.schema.field(tm.schema.displayField)).(string)
						return lookupV{name, lk.id}
					}
				}
			}
			return v
		}
		lk, ok := v.(lookupV)
		if !ok {
			return nil
		}
		m = s.mods[f.lookupModule]
		if m == nil {
			return nil
		}
		if r = m.byID[lk.id]; r == nil {
			return nil
		}
	}
	return nil
}

func (s *Server) appendCOQLValue(b []byte, v any) []byte {
	if u, ok := v.(*user); ok {
		// Users carry their last name only (§5.1.1).
		b = append(b, `{"name":`...)
		b = jsonenc.AppendString(b, u.lastName())
		b = append(b, `,"id":`...)
		b = jsonenc.AppendString(b, u.id)
		return append(b, '}')
	}
	return s.appendValue(b, v)
}

func (s *Server) coqlMatch(m *module, r *record, c *coqlCond) bool {
	if c == nil {
		return true
	}
	switch c.op {
	case "and":
		return s.coqlMatch(m, r, c.left) && s.coqlMatch(m, r, c.right)
	case "or":
		return s.coqlMatch(m, r, c.left) || s.coqlMatch(m, r, c.right)
	}
	v := s.pathValue(m, r, c.path)
	if ss, ok := v.([]string); ok {
		if len(ss) == 0 {
			v = nil
		} else {
			v = strings.Join(ss, ";")
		}
	}
	switch c.cmp {
	case "is null":
		return v == nil
	case "is not null":
		return v != nil
	}
	if v == nil {
		return false // SQL: a comparison with an empty field is never true
	}
	f := c.path.last()
	cmpTo := func(want any) (int, bool) {
		if f.dataType == "bigint" {
			a, _ := v.(string)
			w, _ := want.(string)
			return compareIDs(a, w), true
		}
		if a, ok := v.(string); ok && likeable(f) {
			// Text compares ignoring case, as like does (the reference is
			// silent; Zoho's criteria ignore case).
			w, ok := want.(string)
			return strings.Compare(strings.ToLower(a), strings.ToLower(w)), ok
		}
		return compareValues(v, want)
	}
	switch c.cmp {
	case "=", "!=":
		d, ok := cmpTo(c.vals[0])
		return ok && (d == 0) == (c.cmp == "=")
	case "<", "<=", ">", ">=":
		d, ok := cmpTo(c.vals[0])
		if !ok {
			return false
		}
		switch c.cmp {
		case "<":
			return d < 0
		case "<=":
			return d <= 0
		case ">":
			return d > 0
		}
		return d >= 0
	case "in", "not in":
		found := false
		for _, w := range c.vals {
			if d, ok := cmpTo(w); ok && d == 0 {
				found = true
				break
			}
		}
		return found == (c.cmp == "in")
	case "between", "not between":
		lo, ok1 := cmpTo(c.vals[0])
		hi, ok2 := cmpTo(c.vals[1])
		return ok1 && ok2 && (lo >= 0 && hi <= 0) == (c.cmp == "between")
	case "like", "not like":
		str, _ := v.(string)
		pat, _ := c.vals[0].(string)
		return likeMatch(strings.ToLower(str), strings.ToLower(pat)) == (c.cmp == "like")
	}
	return false
}

// compareIDs compares digit strings as numbers.
func compareIDs(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// likeMatch matches s against a pattern where % is any run of characters
// (case-insensitive: callers lower both).
func likeMatch(s, pat string) bool {
	parts := strings.Split(pat, "%")
	if len(parts) == 1 {
		return s == pat
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// compareStored orders two stored values of one field, empty first.
func compareStored(a, b any, f *fieldSpec) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if f.dataType == "bigint" {
		x, _ := a.(string)
		y, _ := b.(string)
		return compareIDs(x, y)
	}
	switch x := a.(type) {
	case dtV:
		return cmp.Compare(float64(x), float64(b.(dtV)))
	case int64:
		y, _ := b.(int64)
		return cmp.Compare(float64(x), float64(y))
	case float64:
		y, _ := b.(float64)
		return cmp.Compare(x, y)
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case lookupV:
		return strings.Compare(x.name, b.(lookupV).name)
	case *user:
		return strings.Compare(x.name, b.(*user).name)
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	}
	return 0
}
