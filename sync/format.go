package sync

import (
	"errors"
	"fmt"
	"strings"
)

// NumberFormat is a spreadsheet number format: a type (NUMBER, CURRENCY,
// PERCENT, DATE, DATE_TIME, TEXT) and a pattern such as "#,##0.00". The
// zero value means "no format of the mapping's own".
type NumberFormat struct {
	Type, Pattern string
}

// IsZero reports whether f is no format.
func (f NumberFormat) IsZero() bool { return f.Type == "" && f.Pattern == "" }

// String is "TYPE pattern", the form recorded in the sheet.
func (f NumberFormat) String() string {
	if f.IsZero() {
		return ""
	}
	return f.Type + " " + f.Pattern
}

// fieldFormat is the format a column of field f gets from its metadata:
// currency in the org's currency, percent with a % sign, integers without
// decimals, decimals with the field's precision. Dates and datetimes get
// theirs from the sink (they depend on the cell kind, not the field).
func fieldFormat(f *Field, org Org) NumberFormat {
	dec := func(def int) string {
		n := def
		if f.Decimals != nil && *f.Decimals >= 0 && *f.Decimals <= 15 {
			n = *f.Decimals
		}
		if n == 0 {
			return "#,##0"
		}
		return "#,##0." + strings.Repeat("0", n)
	}
	switch strings.ToLower(f.DataType) {
	case "currency":
		// The symbol as a quoted literal: the reference notes how Sheets
		// reads locale blocks such as [$€-407] is unconfirmed.
		switch {
		case org.CurrencySymbol != "":
			return NumberFormat{"CURRENCY", quoteLiteral(org.CurrencySymbol) + dec(2)}
		case org.CurrencyCode != "":
			return NumberFormat{"CURRENCY", dec(2) + " " + quoteLiteral(org.CurrencyCode)}
		}
		return NumberFormat{} // unknown currency: no opinion, the tab keeps what it has
	case "percent":
		// Zoho sends 25 for 25 %. A PERCENT format would show 2500 %, and
		// dividing by 100 would change the cells people compute with, so
		// the % is a literal after the number.
		return NumberFormat{"NUMBER", strings.TrimPrefix(dec(2), "#,##") + `"%"`}
	case "integer", "bigint_number":
		return NumberFormat{"NUMBER", "#,##0"}
	case "double", "decimal":
		return NumberFormat{"NUMBER", dec(2)}
	}
	return NumberFormat{}
}

func quoteLiteral(s string) string { return `"` + strings.ReplaceAll(s, `"`, "") + `"` }

// formatFor turns a user's pattern into a NumberFormat for a column of
// kind k (Sheets wants a type with every pattern).
func formatFor(pattern string, k Kind, currency bool) NumberFormat {
	t := "NUMBER"
	switch {
	case k == KindDate:
		t = "DATE"
	case k == KindDateTime:
		t = "DATE_TIME"
	case k == KindText || k == KindBool:
		t = "TEXT"
	case strings.Contains(pattern, "%") && !strings.Contains(pattern, `"%"`):
		t = "PERCENT"
	case currency:
		t = "CURRENCY"
	}
	return NumberFormat{t, pattern}
}

// CheckNumberFormat reports what is wrong with a number-format pattern
// written in the mapping (nil when it looks valid): empty, control
// characters, unbalanced quotes or brackets, more than four sections, or
// nothing that formats a value.
func CheckNumberFormat(p string) error {
	if strings.TrimSpace(p) == "" {
		return errors.New("empty number format")
	}
	if len(p) > 255 {
		return fmt.Errorf("number format of %d characters (at most 255)", len(p))
	}
	sections, tokens := 1, false
	inQuote, inBracket := false, false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("control character at position %d", i+1)
		case inQuote:
			inQuote = c != '"'
		case c == '"':
			inQuote = true
		case c == '\\':
			i++
		case inBracket:
			inBracket = c != ']'
		case c == '[':
			inBracket = true
		case c == ']':
			return fmt.Errorf("%q at position %d closes no [", "]", i+1)
		case c == ';':
			sections++
		case (c == 'E' || c == 'e') && i+1 < len(p) && (p[i+1] == '+' || p[i+1] == '-'):
			tokens = true
		case strings.IndexByte("0#?@yYmMdDhHsS", c) >= 0:
			tokens = true
		}
	}
	switch {
	case inQuote:
		return errors.New(`unclosed " (quote literal text: "kg")`)
	case inBracket:
		return errors.New("unclosed [")
	case sections > 4:
		return fmt.Errorf("%d sections separated by ; (at most 4: positive;negative;zero;text)", sections)
	case !tokens:
		return errors.New("no digit, date or text placeholder (0, #, ?, @, y, m, d, h, s)")
	}
	return nil
}
