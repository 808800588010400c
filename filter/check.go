package filter

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// COQL's limits on a WHERE clause (reference §5.1).
const (
	// MaxCriteria is how many conditions a filter may have. COQL allows 25
	// in a query; zoho2sheets keeps ReservedCriteria of them for its own
	// (the Modified_Time window, key paging, related records' changes).
	MaxCriteria      = 25 - ReservedCriteria
	ReservedCriteria = 5
	// MaxInValues is how many values an in / not in list may hold.
	MaxInValues = 50
)

// class is how a field's values are compared.
type class uint8

const (
	cText     class = iota // text, picklist, email…: 'quoted'
	cNumber                // integer, double, currency…
	cID                    // bigint and the record id: digits, quoted or not
	cBool                  // boolean
	cDate                  // date: 'YYYY-MM-DD' or a relative date
	cDateTime              // datetime: 'YYYY-MM-DDThh:mm:ss+hh:mm' or a relative date
	cLookup                // a lookup compared by the related record's id
	cNone                  // not filterable
)

var className = [...]string{"text", "number", "id", "boolean", "date", "datetime", "lookup", ""}

func classOf(f zsync.Field) class {
	switch strings.ToLower(f.DataType) {
	case "text", "textarea", "email", "phone", "website", "picklist", "multiselectpicklist", "autonumber":
		return cText
	case "integer", "double", "currency", "percent", "decimal":
		return cNumber
	case "bigint":
		return cID
	case "boolean":
		return cBool
	case "date":
		return cDate
	case "datetime":
		return cDateTime
	case "lookup", "ownerlookup", "userlookup":
		return cLookup
	case "formula", "rollup_summary":
		switch f.JSONType {
		case "integer", "double":
			return cNumber
		case "boolean":
			return cBool
		case "string":
			return cText
		}
	}
	return cNone
}

// ops lists the operators each class allows.
var ops = map[class][]Op{
	cText:     {OpEq, OpNe, OpIn, OpNotIn, OpLike, OpNotLike, OpIsNull, OpIsNotNull},
	cNumber:   {OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpNotIn, OpBetween, OpNotBetween, OpIsNull, OpIsNotNull},
	cID:       {OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpNotIn, OpIsNull, OpIsNotNull},
	cBool:     {OpEq},
	cDate:     {OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpNotIn, OpBetween, OpNotBetween, OpIsNull, OpIsNotNull},
	cDateTime: {OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpBetween, OpNotBetween, OpIsNull, OpIsNotNull},
	cLookup:   {OpEq, OpNe, OpIn, OpNotIn, OpIsNull, OpIsNotNull},
}

// Limits checks COQL's limits that need no metadata: at most MaxCriteria
// conditions and MaxInValues values in a list.
func Limits(n Node) error {
	var errs []error
	count := 0
	Walk(n, func(c *Cond) {
		count++
		if count == MaxCriteria+1 {
			errs = append(errs, &SyntaxError{At: c.At, Msg: fmt.Sprintf("more than %d conditions", MaxCriteria),
				Hint: fmt.Sprintf("COQL allows %d per query and zoho2sheets needs %d for its own; use in (…) for several values of one field, or split the tab", 25, ReservedCriteria)})
		}
		if (c.Op == OpIn || c.Op == OpNotIn) && len(c.Args) > MaxInValues {
			errs = append(errs, &SyntaxError{At: c.Args[MaxInValues].At, Msg: fmt.Sprintf("%s %s lists %d values; COQL allows %d", c.Field, c.Op, len(c.Args), MaxInValues),
				Hint: "shorten the list, or split it: (F in (…50…) or F in (…))"})
		}
	})
	return errors.Join(errs...)
}

func (b *Bound) check(c *Cond, s zsync.Schema) error {
	bd, ok := b.paths[c.Field]
	if !ok {
		fp, merr := s.Resolve(c.Field)
		if merr != nil {
			return &SyntaxError{At: c.At, Msg: fmt.Sprintf("%s: %s", c.Field, merr.Msg), Hint: merr.Fix}
		}
		if len(fp.Rest) > 0 {
			hint := "filter on the field itself"
			switch {
			case fp.Field.DataType == "ownerlookup" || fp.Field.DataType == "userlookup":
				hint = fmt.Sprintf("compare %s with a user's id: %s = '<user id>'", fp.Key, fp.Key)
			case classOf(fp.Field) == cLookup:
				hint = fmt.Sprintf("compare %s with a record id, or with a field of the related record", fp.Key)
			}
			return &SyntaxError{At: c.At, Msg: fmt.Sprintf("COQL cannot filter on %s", c.Field), Hint: hint}
		}
		if fp.Field.APIName == "Tag" {
			// Not documented for COQL: zoho2sheets reads Tag through Get
			// Records, which cannot filter.
			return &SyntaxError{At: c.At, Msg: "COQL cannot filter on Tag",
				Hint: "Zoho documents no Tag condition for COQL; filter on another field, or map Tag as a column and filter in the sheet"}
		}
		bd = bound{fp: fp, class: classOf(fp.Field)}
		if bd.class == cNone {
			return &SyntaxError{At: c.At, Msg: fmt.Sprintf("COQL cannot filter on %s, a %s field", c.Field, fp.Field.DataType),
				Hint: "filter on a text, number, date, datetime, boolean or lookup field"}
		}
		b.paths[c.Field] = bd
	}
	if !slices.Contains(ops[bd.class], c.Op) {
		var allowed []string
		for _, o := range ops[bd.class] {
			allowed = append(allowed, o.String())
		}
		hint := fmt.Sprintf("a %s field takes %s", className[bd.class], strings.Join(allowed, ", "))
		if bd.class == cBool {
			hint = fmt.Sprintf("COQL compares booleans with = only: write %s = true or %s = false", c.Field, c.Field)
		}
		return &SyntaxError{At: c.At, Msg: fmt.Sprintf("%s cannot be used on %s (%s)", c.Op, c.Field, className[bd.class]), Hint: hint}
	}
	for _, v := range c.Args {
		if err := checkValue(v, c, bd); err != nil {
			return err
		}
	}
	if (c.Op == OpBetween || c.Op == OpNotBetween) && descending(bd.class, c.Args[0], c.Args[1]) {
		lo, hi := formatValue(c.Args[1]), formatValue(c.Args[0])
		return &SyntaxError{At: c.Args[0].At, Msg: fmt.Sprintf("between %s and %s: the first value is the higher, so nothing is between them", hi, lo),
			Hint: fmt.Sprintf("write the lower value first: %s %s %s and %s", c.Field, c.Op, lo, hi)}
	}
	return nil
}

// descending reports whether a is above b for sure: both numbers, both
// dates, or both relative dates above on every day tried.
func descending(cl class, a, b Value) bool {
	switch {
	case a.Kind == Number && b.Kind == Number:
		x, err1 := strconv.ParseFloat(a.Text, 64)
		y, err2 := strconv.ParseFloat(b.Text, 64)
		return err1 == nil && err2 == nil && x > y
	case a.Kind == String && b.Kind == String && cl == cDate:
		return a.Text > b.Text // 'YYYY-MM-DD' sorts as text
	case a.Kind == Relative && b.Kind == Relative:
		// Months differ in length: above on every kind of day, or not said.
		for _, at := range []time.Time{time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC),
			time.Date(2023, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(2024, 8, 14, 12, 0, 0, 0, time.UTC)} {
			x, y := a.Rel.resolve(at), b.Rel.resolve(at)
			if cl == cDateTime && !x.asInstant().After(y.asInstant()) || cl != cDateTime && !x.day.After(y.day) {
				return false
			}
		}
		return true
	}
	return false
}

// checkValue checks that v suits the field.
func checkValue(v Value, c *Cond, bd bound) error {
	bad := func(hint string) error {
		return &SyntaxError{At: v.At, Msg: fmt.Sprintf("%s is not a %s value for %s", v.describe(), className[bd.class], c.Field), Hint: hint}
	}
	switch bd.class {
	case cText:
		if v.Kind != String {
			return bad(fmt.Sprintf("quote text: %s = '%s'", c.Field, v.plain()))
		}
	case cNumber:
		if v.Kind != Number {
			if _, err := strconv.ParseFloat(v.Text, 64); v.Kind == String && err == nil {
				return bad(fmt.Sprintf("write the number without quotes: %s", v.Text))
			}
			return bad("write a number such as 10000 or 2.5")
		}
	case cID, cLookup:
		if (v.Kind != String && v.Kind != Number) || !isDigits(v.Text) {
			hint := "write the record id, e.g. '554023000000238116'"
			if bd.class == cLookup && bd.fp.Field.LookupModule != "" {
				hint += fmt.Sprintf(", or filter on a field of the related record: %s.<field>", c.Field)
			}
			return bad(hint)
		}
	case cBool:
		// Zoho's docs quote booleans ('true'); both forms are accepted.
		if v.Kind != Bool && !(v.Kind == String && (v.Text == "true" || v.Text == "false")) {
			return bad("write true or false")
		}
	case cDate:
		switch v.Kind {
		case Relative:
			if v.Rel.Anchor == "now" || hasTimeUnit(v.Rel) {
				return bad("a date field holds days: use today, start_of_month… with d, w, mo or y offsets")
			}
		case String:
			if _, err := time.Parse(time.DateOnly, v.Text); err != nil {
				return bad("write a date as 'YYYY-MM-DD', e.g. '2024-06-30', or a relative date such as today - 30d")
			}
		default:
			return bad("write a date as 'YYYY-MM-DD' or a relative date such as today - 30d")
		}
	case cDateTime:
		switch v.Kind {
		case Relative:
			if (c.Op == OpEq || c.Op == OpNe) && v.Rel.Anchor != "now" && !hasTimeUnit(v.Rel) {
				// A day against a datetime is one instant (its first or,
				// for end_of_…, its last second): = would match nearly nothing.
				hint := fmt.Sprintf("for the whole day write (%s >= %s and %s < %s)", c.Field, v.Rel, c.Field, v.Rel.moved(1))
				if strings.HasPrefix(v.Rel.Anchor, "end_of_") {
					hint = fmt.Sprintf("for the whole day write (%s > %s and %s <= %s)", c.Field, v.Rel.moved(-1), c.Field, v.Rel)
				}
				return &SyntaxError{At: v.At, Msg: fmt.Sprintf("%s %s %s compares with a single second", c.Field, c.Op, v.Rel), Hint: hint}
			}
		case String:
			if _, err := time.Parse(time.RFC3339, v.Text); err != nil {
				hint := "write a date-time with its offset, e.g. '2024-06-30T09:00:00+02:00', or a relative date such as now - 2h"
				if _, derr := time.Parse(time.DateOnly, v.Text); derr == nil {
					hint = fmt.Sprintf("COQL needs a time and an offset: '%sT00:00:00+00:00', or a relative date such as today", v.Text)
				}
				return bad(hint)
			}
		default:
			return bad("write a date-time such as '2024-06-30T09:00:00+02:00' or a relative date such as now - 2h")
		}
	}
	if c.Op == OpLike && v.Kind == String && !strings.Contains(v.Text, "%") {
		return &SyntaxError{At: v.At, Msg: fmt.Sprintf("like '%s' has no %% wildcard", v.Text),
			Hint: fmt.Sprintf("write '%%%s%%' for contains, '%s%%' for starts with, or use = for an exact match", v.Text, v.Text)}
	}
	return nil
}

// moved is r moved by days.
func (r Rel) moved(days int) Rel {
	return Rel{Anchor: r.Anchor, Offsets: append(slices.Clone(r.Offsets), Offset{N: days, Unit: "d"})}
}

func hasTimeUnit(r Rel) bool {
	for _, o := range r.Offsets {
		if o.Unit == "h" || o.Unit == "min" {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (v Value) describe() string {
	switch v.Kind {
	case String:
		return "'" + v.Text + "'"
	case Bool:
		return strconv.FormatBool(v.B)
	case Relative:
		return "the relative date " + v.Rel.String()
	}
	return v.Text
}

// plain is the value without quotes, for hints.
func (v Value) plain() string {
	switch v.Kind {
	case Bool:
		return strconv.FormatBool(v.B)
	case Relative:
		return v.Rel.String()
	}
	return v.Text
}

// String writes r as a filter would.
func (r Rel) String() string {
	var b strings.Builder
	b.WriteString(r.Anchor)
	for _, o := range r.Offsets {
		if o.N < 0 {
			fmt.Fprintf(&b, " - %d%s", -o.N, o.Unit)
		} else {
			fmt.Fprintf(&b, " + %d%s", o.N, o.Unit)
		}
	}
	return b.String()
}
