package filter

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Match reports whether r satisfies the filter at now (relative dates are
// resolved in now's location). It follows SQL, as COQL does: a condition on
// an empty field is false, except is null; text compares ignoring case, as
// Zoho's criteria do; like takes % as "any text".
func (b *Bound) Match(r zsync.Record, now time.Time) bool {
	return b.eval(b.root, r, now)
}

func (b *Bound) eval(n Node, r zsync.Record, now time.Time) bool {
	switch x := n.(type) {
	case *Logic:
		if x.Or {
			return b.eval(x.L, r, now) || b.eval(x.R, r, now)
		}
		return b.eval(x.L, r, now) && b.eval(x.R, r, now)
	case *Cond:
		return b.cond(x, r, now)
	}
	return false
}

func (b *Bound) cond(c *Cond, r zsync.Record, now time.Time) bool {
	bd := b.paths[c.Field]
	v := value(r, bd.fp.Key)
	if empty(v) {
		return c.Op == OpIsNull
	}
	switch c.Op {
	case OpIsNull:
		return false
	case OpIsNotNull:
		return true
	case OpIn, OpNotIn:
		in := false
		for _, a := range c.Args {
			if cmp, ok := b.compare(bd.class, v, c, a, now); ok && cmp == 0 {
				in = true
				break
			}
		}
		return in == (c.Op == OpIn)
	case OpLike, OpNotLike:
		s, ok := textOf(v)
		if !ok {
			return false
		}
		return like(strings.ToLower(s), strings.ToLower(c.Args[0].Text)) == (c.Op == OpLike)
	case OpBetween, OpNotBetween:
		lo, ok1 := b.compare(bd.class, v, c, c.Args[0], now)
		hi, ok2 := b.compare(bd.class, v, c, c.Args[1], now)
		if !ok1 || !ok2 {
			return false
		}
		return (lo >= 0 && hi <= 0) == (c.Op == OpBetween)
	}
	cmp, ok := b.compare(bd.class, v, c, c.Args[0], now)
	if !ok {
		return false
	}
	switch c.Op {
	case OpEq:
		return cmp == 0
	case OpNe:
		return cmp != 0
	case OpLt:
		return cmp < 0
	case OpLe:
		return cmp <= 0
	case OpGt:
		return cmp > 0
	case OpGe:
		return cmp >= 0
	}
	return false
}

// value is the record's value at key; id and Modified_Time are also
// carried outside Fields.
func value(r zsync.Record, key string) zsync.Value {
	if v, ok := r.Fields[key]; ok {
		return v
	}
	switch key {
	case zsync.KeyField:
		if r.ID != "" {
			return r.ID
		}
	case "Modified_Time":
		if !r.Modified.IsZero() {
			return r.Modified
		}
	}
	return nil
}

func empty(v zsync.Value) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	case []zsync.Value:
		return len(x) == 0
	case zsync.Lookup:
		return x.ID == ""
	}
	return false
}

// compare compares the record's value with an operand: -1, 0, 1; ok is
// false when the value cannot be compared (wrong type).
func (b *Bound) compare(cl class, v zsync.Value, c *Cond, a Value, now time.Time) (int, bool) {
	switch cl {
	case cText:
		s, ok := textOf(v)
		if !ok {
			return 0, false
		}
		return strings.Compare(strings.ToLower(s), strings.ToLower(a.Text)), true
	case cNumber:
		f, ok := numberOf(v)
		g, err := strconv.ParseFloat(a.Text, 64)
		if !ok || err != nil {
			return 0, false
		}
		return cmp.Compare(f, g), true
	case cID, cLookup:
		s, ok := idOf(v)
		if !ok {
			return 0, false
		}
		return cmpDigits(s, a.Text), true
	case cBool:
		x, ok := v.(bool)
		if !ok {
			return 0, false
		}
		if x == (a.B || a.Kind == String && a.Text == "true") {
			return 0, true
		}
		return 1, true
	case cDate:
		d, ok := dateOf(v)
		if !ok {
			return 0, false
		}
		var want time.Time
		if a.Kind == Relative {
			want = a.Rel.resolve(now).day
		} else {
			want, _ = time.Parse(time.DateOnly, a.Text)
		}
		day := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		return day.Compare(time.Date(want.Year(), want.Month(), want.Day(), 0, 0, 0, 0, time.UTC)), true
	case cDateTime:
		t, ok := v.(time.Time)
		if !ok {
			return 0, false
		}
		var want time.Time
		if a.Kind == Relative {
			want = a.Rel.resolve(now).asInstant()
		} else {
			want, _ = time.Parse(time.RFC3339, a.Text)
		}
		// COQL compares to the second.
		return t.Truncate(time.Second).Compare(want.Truncate(time.Second)), true
	}
	return 0, false
}

// cmpDigits compares two non-negative integers written in decimal, of any
// length (ids have up to 19 digits).
func cmpDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return cmp.Compare(float64(len(a)), float64(len(b)))
	}
	return strings.Compare(a, b)
}

func textOf(v zsync.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []string:
		// A multi-select picklist compares as COQL writes it: 'A;B'.
		return strings.Join(x, ";"), true
	case zsync.Lookup:
		return x.Name, true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func numberOf(v zsync.Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

func idOf(v zsync.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, isDigits(x)
	case zsync.Lookup:
		return x.ID, isDigits(x.ID)
	case int64:
		return strconv.FormatInt(x, 10), x >= 0
	case map[string]zsync.Value:
		id, ok := x["id"].(string)
		return id, ok && isDigits(id)
	}
	return "", false
}

func dateOf(v zsync.Value) (zsync.Date, bool) {
	switch x := v.(type) {
	case zsync.Date:
		return x, true
	case time.Time:
		return zsync.Date{Year: x.Year(), Month: x.Month(), Day: x.Day()}, true
	case string:
		d, err := zsync.ParseDate(x)
		return d, err == nil
	}
	return zsync.Date{}, false
}

// like matches s against a pattern where % is any text (both lower case).
func like(s, pattern string) bool {
	parts := strings.Split(pattern, "%")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}
