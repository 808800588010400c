package filter

import (
	"strings"
	"time"
)

// Anchors are the relative dates a filter may use. They are resolved at the
// start of each run in the mapping's time zone. now is an instant; the
// others are calendar days (weeks start on Monday, quarters in January,
// April, July and October). Compared with a datetime field, a start or
// plain day means its first second (00:00:00) and an end_of_ day its last
// (23:59:59), so `between start_of_month and end_of_month` covers the whole
// month for both date and datetime fields.
var Anchors = []string{"now", "today", "yesterday", "tomorrow",
	"start_of_week", "end_of_week", "start_of_month", "end_of_month",
	"start_of_quarter", "end_of_quarter", "start_of_year", "end_of_year"}

// Units are the units of an offset: today - 90d, now - 2h. Days, weeks,
// months and years move the calendar day; hours and minutes make the value
// an instant.
var Units = []string{"min", "h", "d", "w", "mo", "y"}

// unitWords are spellings people type, for "did you mean"; unitOf[i] is
// the unit unitWords[i] stands for.
var (
	unitWords = []string{"mins", "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days",
		"wk", "week", "weeks", "mon", "month", "months", "yr", "year", "years"}
	unitOf = []string{"min", "min", "min", "h", "h", "h", "h", "d", "d",
		"w", "w", "w", "mo", "mo", "mo", "y", "y", "y"}
)

func anchor(s string) (string, bool) {
	for _, a := range Anchors {
		if strings.EqualFold(s, a) {
			return a, true
		}
	}
	return "", false
}

// Moves reports whether n uses a relative date, i.e. whether its meaning
// changes from run to run.
func Moves(n Node) bool {
	moves := false
	Walk(n, func(c *Cond) {
		for _, a := range c.Args {
			moves = moves || a.Kind == Relative
		}
	})
	return moves
}

// resolved is a relative date at a given time: a calendar day, or an
// instant when now or an hour/minute offset is involved.
type resolved struct {
	day     time.Time // midnight of the day, in the zone of now
	instant time.Time // set when the value is an instant
	end     bool      // an end_of_ anchor: as an instant, the day's last second
}

// resolve computes r at now, in now's location.
func (r Rel) resolve(now time.Time) resolved {
	loc := now.Location()
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var v resolved
	switch r.Anchor {
	case "now":
		v.instant = now
		v.day = today
	case "today":
		v.day = today
	case "yesterday":
		v.day = today.AddDate(0, 0, -1)
	case "tomorrow":
		v.day = today.AddDate(0, 0, 1)
	case "start_of_week", "end_of_week":
		back := (int(today.Weekday()) + 6) % 7 // days since Monday
		v.day = today.AddDate(0, 0, -back)
		if r.Anchor == "end_of_week" {
			v.day, v.end = v.day.AddDate(0, 0, 6), true
		}
	case "start_of_month", "end_of_month":
		v.day = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		if r.Anchor == "end_of_month" {
			v.day, v.end = v.day.AddDate(0, 1, -1), true
		}
	case "start_of_quarter", "end_of_quarter":
		v.day = time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc)
		if r.Anchor == "end_of_quarter" {
			v.day, v.end = v.day.AddDate(0, 3, -1), true
		}
	case "start_of_year", "end_of_year":
		v.day = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		if r.Anchor == "end_of_year" {
			v.day, v.end = time.Date(y, 12, 31, 0, 0, 0, 0, loc), true
		}
	}
	for _, o := range r.Offsets {
		switch o.Unit {
		case "min", "h":
			unit := time.Hour
			if o.Unit == "min" {
				unit = time.Minute
			}
			if v.instant.IsZero() {
				v.instant = v.asInstant()
			}
			v.instant = v.instant.Add(time.Duration(o.N) * unit)
			y, m, d := v.instant.Date()
			v.day = time.Date(y, m, d, 0, 0, 0, 0, loc)
		case "d", "w", "mo", "y":
			days, months, years := o.N, 0, 0
			switch o.Unit {
			case "w":
				days = 7 * o.N
			case "mo":
				days, months = 0, o.N
			case "y":
				days, years = 0, o.N
			}
			if months != 0 && v.end {
				// The end of a month moved by months is that month's end,
				// not the day after it (end_of_month - 1mo on 31 March is
				// 28 February, not 3 March).
				first := time.Date(v.day.Year(), v.day.Month(), 1, 0, 0, 0, 0, loc)
				v.day = first.AddDate(0, months+1, -1)
			} else {
				v.day = v.day.AddDate(years, months, days)
			}
			if !v.instant.IsZero() {
				v.instant = v.instant.AddDate(years, months, days)
			}
		}
	}
	return v
}

// asInstant is the value compared with a datetime field.
func (v resolved) asInstant() time.Time {
	switch {
	case !v.instant.IsZero():
		return v.instant
	case v.end:
		// Not day+24h-1s: a day with a clock change is 23 or 25 hours.
		return time.Date(v.day.Year(), v.day.Month(), v.day.Day(), 23, 59, 59, 0, v.day.Location())
	}
	return v.day
}
