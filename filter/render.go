package filter

import (
	"strconv"
	"strings"
	"time"
)

// Where renders the filter as a COQL WHERE condition (without the word
// where), with relative dates resolved at now in now's location and every
// value written as COQL wants it for its field: text, ids and dates quoted,
// datetimes quoted with their offset. More than two conditions are
// bracketed pairwise, as COQL requires.
func (b *Bound) Where(now time.Time) string {
	var sb strings.Builder
	write(&sb, b.root, true, func(c *Cond, v Value) string { return b.literal(c, v, now) })
	return sb.String()
}

func write(b *strings.Builder, n Node, root bool, lit func(*Cond, Value) string) {
	switch x := n.(type) {
	case *Logic:
		_, lLogic := x.L.(*Logic)
		_, rLogic := x.R.(*Logic)
		wrap := !root || lLogic || rLogic
		if wrap {
			b.WriteByte('(')
		}
		write(b, x.L, false, lit)
		if x.Or {
			b.WriteString(" or ")
		} else {
			b.WriteString(" and ")
		}
		write(b, x.R, false, lit)
		if wrap {
			b.WriteByte(')')
		}
	case *Cond:
		b.WriteString(x.Field)
		b.WriteByte(' ')
		b.WriteString(x.Op.String())
		switch x.Op {
		case OpIsNull, OpIsNotNull:
		case OpIn, OpNotIn:
			b.WriteString(" (")
			for i, v := range x.Args {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(lit(x, v))
			}
			b.WriteByte(')')
		case OpBetween, OpNotBetween:
			b.WriteByte(' ')
			b.WriteString(lit(x, x.Args[0]))
			b.WriteString(" and ")
			b.WriteString(lit(x, x.Args[1]))
		default:
			b.WriteByte(' ')
			b.WriteString(lit(x, x.Args[0]))
		}
	}
}

// quote writes s as a COQL string: single quotes, with \' and \\ inside.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func formatValue(v Value) string {
	switch v.Kind {
	case String:
		return quote(v.Text)
	case Bool:
		return strconv.FormatBool(v.B)
	case Relative:
		return v.Rel.String()
	}
	return v.Text
}

// coqlDateTime is how COQL wants a datetime: quoted, with an offset, no
// fraction.
const coqlDateTime = "2006-01-02T15:04:05-07:00"

func (b *Bound) literal(c *Cond, v Value, now time.Time) string {
	cl := b.paths[c.Field].class
	switch v.Kind {
	case Relative:
		r := v.Rel.resolve(now)
		if cl == cDateTime {
			return quote(r.asInstant().Format(coqlDateTime))
		}
		return quote(r.day.Format(time.DateOnly))
	case Bool:
		// The COQL docs quote booleans: Email_Opt_Out = 'true'.
		return quote(strconv.FormatBool(v.B))
	case Number:
		if cl == cID || cl == cLookup {
			// Ids are bigints, sent as strings so no digit is lost.
			return quote(v.Text)
		}
		return v.Text
	case String:
		if cl == cDateTime {
			// Normalise to the form COQL documents (no fraction).
			if t, err := time.Parse(time.RFC3339, v.Text); err == nil {
				return quote(t.Format(coqlDateTime))
			}
		}
	}
	return quote(v.Text)
}
