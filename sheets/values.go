package sheets

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// MaxCellChars is the most characters a cell holds; longer text is cut.
const MaxCellChars = 50000

// TruncatedMarker ends text cut to MaxCellChars.
const TruncatedMarker = "…[truncated]"

// Number formats given to date and datetime columns. Values are written as
// serial numbers with RAW, so the format is what makes them show as dates.
const (
	DatePattern     = "yyyy-mm-dd"
	DateTimePattern = "yyyy-mm-dd hh:mm:ss"
)

// serialEpoch is day 0 of Sheets' serial dates (reference §4).
var serialEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// serial returns the Sheets serial number of t's wall clock in loc: days
// since 1899-12-30 plus the fraction of the day. Serials carry no zone, so
// the instant is first converted to the zone the sheet shows.
func serial(t time.Time, loc *time.Location) float64 {
	if loc != nil {
		t = t.In(loc)
	}
	w := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	d := w.Sub(serialEpoch)
	days := math.Floor(d.Hours() / 24)
	rest := d - time.Duration(days)*24*time.Hour
	return days + rest.Seconds()/86400
}

// dateSerial is the serial of a calendar day (the date part of t as given).
func dateSerial(t time.Time) float64 {
	w := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return math.Round(w.Sub(serialEpoch).Hours() / 24)
}

// truncate cuts s to MaxCellChars characters, ending with TruncatedMarker.
// ok is false when s was cut.
func truncate(s string) (string, bool) {
	if len(s) <= MaxCellChars || utf8.RuneCountInString(s) <= MaxCellChars {
		return s, true
	}
	keep := MaxCellChars - utf8.RuneCountInString(TruncatedMarker)
	i, n := 0, 0
	for i = range s {
		if n == keep {
			break
		}
		n++
	}
	return s[:i] + TruncatedMarker, false
}

// wireValue is the JSON value a cell is written as with RAW input:
//
//	text      string (RAW keeps "=…", "+1", "0123" and long ids literal)
//	number    float64
//	bool      bool
//	date      serial number of the day
//	datetime  serial number of the instant's wall clock in loc
//	empty     "" (clears the cell)
//
// truncated reports text cut to MaxCellChars.
func wireValue(c zsync.Cell, loc *time.Location) (v any, truncated bool) {
	switch c.Kind {
	case zsync.KindText:
		s, ok := truncate(c.S)
		return s, !ok
	case zsync.KindNumber:
		if math.IsNaN(c.F) || math.IsInf(c.F, 0) {
			return "", false // JSON has no NaN: leave the cell empty
		}
		return c.F, false
	case zsync.KindBool:
		return c.B, false
	case zsync.KindDate:
		return dateSerial(c.T), false
	case zsync.KindDateTime:
		if c.T.IsZero() {
			return "", false
		}
		return serial(c.T, loc), false
	}
	return "", false
}

// sameValue reports whether have (a cell as read with UNFORMATTED_VALUE and
// SERIAL_NUMBER: string, float64, bool or nil) already holds want (a
// wireValue of kind k), so that writing it would change nothing. Numbers
// compare with a tolerance for float noise; datetimes to the half second.
func sameValue(want any, k zsync.Kind, have any) bool {
	if have == nil {
		have = ""
	}
	switch w := want.(type) {
	case string:
		h, ok := have.(string)
		return ok && h == w
	case bool:
		h, ok := have.(bool)
		return ok && h == w
	case float64:
		h, ok := have.(float64)
		if !ok {
			return false
		}
		if k == zsync.KindDateTime {
			return math.Abs(h-w) < 0.5/86400
		}
		// A few units in the last place: float noise (0.1+0.2), never a
		// real change, even of a large integer.
		m := math.Max(math.Abs(h), math.Abs(w))
		return math.Abs(h-w) <= 4*(math.Nextafter(m, math.Inf(1))-m)
	case nil:
		return true
	}
	return false
}

// keyText is the text of a key cell as read. Keys are written as text, but a
// human may have typed one that Sheets turned into a number.
func keyText(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// normHeader is the form headers are matched in: a human retyping a
// header with other case or stray spaces keeps the column.
func normHeader(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// approxSize estimates the JSON size of a value, to keep requests under
// the recommended 2 MB without marshalling twice.
func approxSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 3 + strings.Count(x, `"`) + strings.Count(x, `\`)
	case float64:
		var buf [32]byte // no string per number: a full run sizes every cell
		return len(strconv.AppendFloat(buf[:0], x, 'g', -1, 64)) + 1
	case bool:
		return 6
	}
	return 5
}
